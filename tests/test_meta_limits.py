"""A pass on the meta device that stops where the model needs values is not an error."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from linearcli import inspect_model
from linearcli.meta_limits import meta_cannot_run


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        ("Tensor.item() cannot be called on meta tensors", True),
        ("Cannot copy out of meta tensor; no data!", True),
        (
            "aten::_nested_tensor_from_mask_left_aligned: attempted to run this operator with "
            "Meta tensors, but there was no fake impl or Meta kernel registered",
            True,
        ),
        ("Could not run 'aten::nonzero' with arguments from the 'Meta' backend", True),
        ("Expected inputs of BF16 type but got mat_a.dtype=torch.float32", True),
        ("Could not guard on data-dependent expression Eq(u0, 3)", True),
        ("mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)", False),
        ("shape '[-1, 320]' is invalid for input of size 500", False),
        ('Module [Head] is missing the required "forward" function', False),
        ("tensor(..., device='meta', size=(2, 4)) vs tensor(..., device='meta')", False),
        ("metadata must be a dict", False),
    ],
)
def test_the_meta_devices_limits_are_told_from_the_models_mistakes(
    message: str, limit: bool
) -> None:
    assert meta_cannot_run(message) is limit


class MaskedPool(nn.Module):
    """Hugging Face's pattern: a Python branch on a mask's values, then more layers."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(6, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.embed(x)
        if bool(mask.all()):  # needs the mask's values
            hidden = hidden * 2
        return self.head(hidden)


def test_a_meta_pass_that_needs_values_reports_what_it_established() -> None:
    with torch.device("meta"):
        model = MaskedPool()
    x, mask = torch.empty(3, 6, device="meta"), torch.empty(3, 6, device="meta")
    report = inspect_model(model, x, mask=mask)
    assert report.ok and not report.failed(strict=True)
    found = [(d.severity, d.code, d.layer) for d in report.diagnostics]
    assert found == [("info", "meta-unchecked", "(model)"), ("info", "not-called", "head")]
    stop, unchecked = report.diagnostics
    assert stop.message.startswith(
        "on the meta device the forward pass stopped in the model's own forward (MaskedPool): "
        "Tensor.item() cannot be called on meta tensors. The model needs real values there"
    )
    assert "the 1 linear map that had not run by then was not checked" in stop.message
    assert stop.fix == "inspect it on real values (--device cpu, or cuda) to check the rest"
    assert unchecked.message == (
        "head was not checked: on the meta device the forward pass stopped in the model's own "
        "forward first, where the model needs real values"
    )
    embed, head = report.layers
    assert (embed.output_shape, head.calls) == ((3, 8), 0)
    assert report.totals.params == 6 * 8 + 8 + 8 * 2 + 2


def test_a_shape_mistake_on_meta_is_still_an_error() -> None:
    with torch.device("meta"):
        model = nn.Sequential(nn.Conv1d(3, 4, 1), nn.Conv1d(5, 2, 1))
    report = inspect_model(model, torch.empty(2, 3, 7, device="meta"))
    assert [(d.severity, d.code) for d in report.diagnostics] == [("error", "channels-mismatch")]


def test_the_same_failure_on_the_cpu_is_a_forward_error() -> None:
    """Off the meta device nothing is excused: .item() on a CPU tensor works, so a model
    failing there failed for its own reasons."""

    class Broken(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    report = inspect_model(Broken(), torch.zeros(2))
    assert [(d.severity, d.code) for d in report.diagnostics] == [("error", "forward-error")]


class NoForward(nn.Module):
    pass


class Checked(nn.Module):
    """The model's own assertion, whose message shows a meta tensor: its own mistake."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        assert y.shape == x.shape, f"{y} vs {x}"
        return y


@pytest.mark.parametrize("model", [NoForward, Checked])
def test_the_models_own_mistakes_on_meta_are_still_errors(model: type[nn.Module]) -> None:
    with torch.device("meta"):
        built = model()
    report = inspect_model(built, torch.empty(2, 4, device="meta"))
    assert [(d.severity, d.code) for d in report.diagnostics] == [("error", "forward-error")]
