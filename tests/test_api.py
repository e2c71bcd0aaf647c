"""The Python API: inspect_model and assert_shapes, and the README's example."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from linearcli import Report, assert_shapes, inspect_model

from .conftest import ROOT


class Net(nn.Module):
    def __init__(self, hidden: int = 16, wrong: bool = False) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, hidden)
        self.norm = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(hidden + (3 if wrong else 0), 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(self.norm(self.fc1(x))))


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in model.state_dict().items()}


def hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_report_is_frozen_data() -> None:
    report = inspect_model(Net(), torch.randn(4, 8))
    assert isinstance(report, Report) and report.ok
    assert isinstance(report.layers, tuple) and isinstance(report.diagnostics, tuple)
    assert [layer.name for layer in report.layers] == ["fc1", "fc2"]
    assert report.layers[0].weight_shape == (16, 8)
    assert report.to_dict()["totals"]["params"] == 8 * 16 + 16 + 2 * 16 + 16 * 4 + 4
    with pytest.raises(AttributeError):
        report.layers = ()  # type: ignore[misc]


@pytest.mark.parametrize("wrong", [False, True], ids=["passes", "fails"])
def test_inspect_model_never_changes_the_model(wrong: bool) -> None:
    model = Net(wrong=wrong).train()  # train mode: BatchNorm would update its statistics
    model.drop.eval()  # a mixed state must come back exactly
    modes = [m.training for m in model.modules()]
    before = state(model)
    grads = [p.requires_grad for p in model.parameters()]
    report = inspect_model(model, torch.randn(4, 8))
    assert report.ok is not wrong
    assert [m.training for m in model.modules()] == modes  # same train/eval mode
    after = state(model)
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)  # same values, buffers too
    assert all(p.device.type == "cpu" for p in model.parameters())  # same device
    assert [p.requires_grad for p in model.parameters()] == grads
    assert hooks(model) == 0  # no hooks left behind


def test_inspect_model_leaves_a_model_that_raises_untouched() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Conv1d(3, 3, 1)).train()
    before = state(model)
    report = inspect_model(model, torch.randn(2, 4))
    assert [d.code for d in report.diagnostics] == ["forward-error"]
    assert model.training and hooks(model) == 0
    assert all(torch.equal(v, before[k]) for k, v in state(model).items())


def test_inspect_model_on_meta_stays_on_meta() -> None:
    with torch.device("meta"):
        model = Net()
    report = inspect_model(model, torch.empty(4, 8, device="meta"))
    assert report.device == "meta"
    assert all(p.device.type == "meta" for p in model.parameters())


def test_assert_shapes_passes_and_returns_the_report() -> None:
    report = assert_shapes(Net(), torch.randn(4, 8))
    assert report.ok and report.totals.linear_layers == 2


def test_assert_shapes_lists_every_finding() -> None:
    class Three(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(4, 8), nn.Linear(6, 8), nn.Linear(5, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc3(self.fc2(self.fc1(x)))

    with pytest.raises(AssertionError) as caught:
        assert_shapes(Three(), torch.randn(2, 4))
    message = str(caught.value)
    assert message.startswith("linearcli found shape problems in Three:\n")
    assert (
        "  Three: error[in-features-mismatch] fc2: fc2 (Linear 6->8) got (2, 8) from fc1" in message
    )
    assert "fc3 (Linear 5->2) got (2, 8) from fc2 (Linear 6->8); in_features is 5" in message
    assert "(fix: set in_features to 8: nn.Linear(8, 2)" in message


def test_assert_shapes_strict_fails_on_warnings() -> None:
    # a Linear(5, 4) on the maps' last axis: a forgotten flatten (one keeping the width,
    # Linear(5, 5), would be an axial mixer, and is not said)
    model = nn.Sequential(nn.Conv1d(2, 3, 1), nn.Linear(5, 4))
    assert_shapes(model, torch.randn(2, 2, 5))
    with pytest.raises(AssertionError, match=r"warning\[unflattened-input\] 1:"):
        assert_shapes(model, torch.randn(2, 2, 5), strict=True)


def test_the_readme_pytest_example_runs() -> None:
    """The example in the README is this test: if it stops working, so does this."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    (example,) = [block for block in blocks if "def test_" in block]
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()  # type: ignore[operator]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be 'eval' or 'train', not 'mean'"):
        inspect_model(Net(), torch.randn(4, 8), mode="mean")  # type: ignore[arg-type]
