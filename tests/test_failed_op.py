"""The watched second pass: the operation that raised, its fix, and the layers after it
checked in the same run; the lines to edit; the model left as it was found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from linearcli import inspect_model
from linearcli.pipeline import inspect_spec
from linearcli.report import Diagnostic, Report

Write = Callable[[str, str], Path]


def findings(report: Report) -> list[tuple[str, str | None]]:
    return [(d.code, d.layer) for d in report.diagnostics]


def the(report: Report, code: str) -> Diagnostic:
    (found,) = [d for d in report.diagnostics if d.code == code]
    return found


class WidenedMnist(nn.Module):
    """The PyTorch MNIST example after conv2 was widened from 20 to 64 channels."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 64, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.view(-1, 320)
        return self.fc2(F.relu(self.fc1(x)))


def test_a_view_that_cannot_hold_its_input_and_the_linear_after_it_in_one_run() -> None:
    report = inspect_model(WidenedMnist(), torch.randn(2, 1, 28, 28))
    assert findings(report) == [("view-size", "(model)"), ("in-features-mismatch", "fc1")]
    view, fc1 = report.diagnostics
    assert view.source is not None and view.source.endswith(
        f"test_failed_op.py:{_line('x = x.view(-1, 320)')}"
    )
    assert "64*4*4 = 1024 values per sample" in (view.fix or "")
    assert fc1.fix == "set in_features to 1024: nn.Linear(1024, 50)"
    assert fc1.message.endswith(
        "(found after linearcli corrected an earlier mistake to keep going)"
    )
    # the pass reached the end, on the fix
    assert report.output_shape == (2, 10)


def test_the_model_is_left_as_it_was_found() -> None:
    model = WidenedMnist().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    inspect_model(model, torch.randn(2, 1, 28, 28))
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not model._forward_hooks and not model.fc1._forward_pre_hooks


class CatchesItsOwn(nn.Module):
    """Tries a view, catches the error itself, and has a wrong Linear after it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            x = x.view(-1, 7)
        except RuntimeError:
            x = x.flatten(1)
        return self.fc(x)


def test_an_exception_the_model_catches_is_left_to_it() -> None:
    # The Linear's wrong input sends linearcli round a second, watched pass; the view that
    # raised before the mistake is the model's to catch, not a finding.
    report = inspect_model(CatchesItsOwn(), torch.randn(2, 4))
    assert findings(report) == [("in-features-mismatch", "fc")]


class Swapped(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 8)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.embed(ids))
        return F.linear(self.embed.weight, h)


def test_f_linear_with_input_and_weight_swapped() -> None:
    report = inspect_model(Swapped(), torch.randint(0, 100, (2, 5)))
    found = the(report, "transposed-weight")
    assert found.layer == "embed"
    assert found.fix == "F.linear(h, self.embed.weight), which gives (2, 5, 100)"
    assert report.output_shape == (2, 5, 100)


class ByHand(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(12, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.lin.weight + self.lin.bias


def test_a_linear_weight_multiplied_from_the_right() -> None:
    report = inspect_model(ByHand(), torch.randn(4, 12))
    found = the(report, "transposed-weight")
    assert found.layer == "lin"
    assert found.fix == "x @ self.lin.weight.T, or call the layer itself: self.lin(x)"


class SensorsLast(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(6, 16, 3, padding=1)
        self.fc = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x)).mean(dim=2))


def test_channels_last_data_gets_the_transpose_and_the_rest_is_checked() -> None:
    report = inspect_model(SensorsLast(), torch.randn(4, 50, 6))
    assert findings(report) == [("channels-mismatch", "conv")]
    assert the(report, "channels-mismatch").fix == (
        "move them to axis 1 before conv: x.transpose(1, 2); its in_channels 6 is right"
    )
    assert report.output_shape == (4, 4)


class Tower(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 16)
        self.head = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.a(x), self.a(x)], dim=0)
        return self.head(y.T)


def test_an_input_made_by_code_in_forward_is_named_by_its_line() -> None:
    report = inspect_model(Tower(), torch.randn(3, 8))
    found = the(report, "in-features-mismatch")
    line = _line("return self.head(y.T)")
    assert f"from `return self.head(y.T)` (tests/test_failed_op.py:{line})" in found.message


def test_a_failure_without_a_rule_keeps_torchs_message() -> None:
    class Ragged(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([x, x[:, :, :-1]], dim=1)

    (found,) = inspect_model(Ragged(), torch.randn(2, 3, 4)).diagnostics
    assert found.code == "forward-error"
    assert "Sizes of tensors must match except in dimension 1" in found.message


SPEC = """\
import torch
from torch import nn


def dense(in_f, out_f):
    return nn.Sequential(nn.Linear(in_f, out_f), nn.ReLU())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            dense(40, 256),
            dense(256, 128),
            dense(256, 64),
        )
        self.scorer = nn.Linear(20, 8)

    def forward(self, x, table):
        return self.body(x), self.scorer(table)


def build_model():
    model = Net()
    model.scorer.weight = nn.Parameter(torch.randn(20, 8))
    return model


def example_input():
    return torch.randn(4, 40), torch.randn(4, 20)
"""


def test_the_line_to_edit_is_the_call_site_and_the_assignment(write: Write) -> None:
    path = write("net.py", SPEC)
    report = inspect_spec(str(path))
    mismatch, transposed = the(report, "in-features-mismatch"), the(report, "transposed-weight")
    # dense(256, 64) passed the size into the helper's nn.Linear(in_f, out_f)
    assert (mismatch.layer, mismatch.source) == ("body.2.0", f"{path}:15")
    assert mismatch.fix == (
        "set in_features to 128: nn.Linear(128, 64), "
        "or change body.1.0's out_features to 256: nn.Linear(256, 256)"
    )
    # the weight was right when built, and replaced the wrong way round afterwards
    assert (transposed.layer, transposed.source) == ("scorer", f"{path}:25")


UNBATCHED = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 5)
        self.fc = nn.Linear(4 * 28 * 28, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))


def example_input():
    image = torch.rand(3, 32, 32)
    return image
"""


def test_an_image_without_its_batch_axis_is_fixed_where_the_input_is_made(write: Write) -> None:
    path = write("net.py", UNBATCHED)
    (found,) = inspect_spec(str(path)).diagnostics
    assert (found.code, found.layer, found.source) == ("batch-axis", "fc", f"{path}:17")
    assert (
        found.fix
        == "add the batch axis to the input: x.unsqueeze(0); fc's in_features 3136 is right"
    )


def test_a_flatten_without_start_dim_is_fixed_where_it_flattened() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(12, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.flatten(x)
            return self.fc(x)

    (found,) = inspect_model(Net(), torch.randn(4, 3, 4)).diagnostics
    assert found.code == "batch-axis"
    assert found.source == f"tests/test_failed_op.py:{_line('x = torch.flatten(x)')}"
    assert "torch.flatten(x, 1)" in (found.fix or "") and "48" not in (found.fix or "")


def _line(text: str) -> int:
    """The line of this file holding ``text`` (in code, not in this call)."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    (number,) = [i for i, line in enumerate(lines, 1) if line.strip().startswith(text)]
    return number
