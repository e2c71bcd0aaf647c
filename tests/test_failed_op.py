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


# What a review found: the cases below are each a false or misleading finding that an
# earlier version of the watched pass gave.


def test_maps_as_wide_as_the_channels_are_no_sign_of_channels_last() -> None:
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1))
    (found,) = inspect_model(model, torch.randn(2, 3, 32, 32)).diagnostics
    assert (found.code, found.layer) == ("channels-mismatch", "1")
    assert found.fix == "set 1's in_channels to 64, or make 0 give 32 channels"


CONFIG = """\
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Config:
    hidden: int = 48


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.enc = nn.Linear(20, 32)
        self.mid = nn.Linear(cfg.hidden, 16)
        self.unused = nn.Linear(cfg.hidden, 4)

    def forward(self, x):
        return self.mid(torch.relu(self.enc(x)))


def build_model():
    return Model(Config())


def example_input():
    return torch.randn(2, 20)
"""


def test_sizes_from_a_config_object_point_where_the_layers_are_made(write: Write) -> None:
    # cfg.hidden is written in no call: the lines are the layers' own, not Model(Config())
    path = write("net.py", CONFIG)
    report = inspect_spec(str(path))
    assert [(d.code, d.source) for d in report.diagnostics] == [
        ("in-features-mismatch", f"{path}:16"),
        ("not-called", f"{path}:17"),
    ]


class TriesAfterTheFailure(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.conv2 = nn.Conv2d(4, 8, 3)  # the mistake: conv1 gives 8 channels
        self.fc = nn.Linear(8 * 4 * 4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv2(self.conv1(x)).transpose(2, 3)
        try:
            x = x.view(x.size(0), -1)
        except RuntimeError:
            x = x.reshape(x.size(0), -1)
        return self.fc(x)


def test_a_try_after_the_failure_is_still_the_models_own() -> None:
    report = inspect_model(TriesAfterTheFailure(), torch.randn(2, 3, 8, 8))
    assert findings(report) == [("channels-mismatch", "conv2")]


class OwnWeight(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(10, 32)  # the mistake: W takes 64 features
        self.W = nn.Parameter(torch.randn(64, 32))  # (in, out), for h @ W
        self.head = nn.Linear(32, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.enc(x))
        return self.head(h @ self.W)


def test_a_weight_of_the_models_own_is_not_called_transposed_alone() -> None:
    report = inspect_model(OwnWeight(), torch.randn(4, 10))
    found = the(report, "transposed-weight")
    assert (
        found.fix == "if W is kept (out, in): h @ self.W.T; else the input should have 64 features"
    )
    # two ways out: linearcli does not go on with either, so head is only a note
    assert findings(report) == [("transposed-weight", "(model)"), ("not-called", "head")]
    assert report.output_shape is None


def test_a_batchnorm1d_on_tokens_gets_the_transpose() -> None:
    model = nn.Sequential(nn.Linear(16, 64), nn.BatchNorm1d(64))
    (found,) = inspect_model(model, torch.randn(2, 10, 16)).diagnostics
    assert (found.code, found.layer) == ("channels-mismatch", "1")
    assert found.fix == (
        "normalise axis 1: 1(x.transpose(1, 2)).transpose(1, 2), or use nn.LayerNorm(64) "
        "over the last axis"
    )


class CatIntoNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3)
        self.b = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)  # the mistake: the cat gives 16
        self.fc = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.a(x), self.b(x)], 1)
        return self.fc(self.bn(h).mean((2, 3)))


def test_a_norm_after_a_cat_is_the_one_to_change_and_what_follows_is_not_blamed() -> None:
    report = inspect_model(CatIntoNorm(), torch.randn(2, 3, 7, 7))
    assert findings(report) == [("channels-mismatch", "bn")]
    assert the(report, "channels-mismatch").fix == "set bn's num_features to 16"


class TrainOnlyHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.conv2 = nn.Conv2d(4, 8, 1)  # the mistake
        self.aux = nn.Linear(8, 5)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        aux = self.aux(x.mean((2, 3))) if self.training else None
        out = self.fc(self.conv2(x).mean((2, 3)))
        return out if aux is None else out + aux


def test_a_layer_unused_in_a_corrected_pass_is_only_a_note() -> None:
    report = inspect_model(TrainOnlyHead(), torch.randn(2, 3, 8, 8))
    not_called = the(report, "not-called")
    assert (not_called.severity, not_called.layer) == ("info", "aux")


class Heads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(96, 96) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x).view(2, 5, 8, 16).flatten(2)
        return x


def test_one_wrong_view_in_a_repeated_block_is_one_finding() -> None:
    report = inspect_model(Heads(), torch.randn(2, 5, 96))
    assert findings(report) == [("view-size", "(model)")]


def test_a_dtype_view_keeps_torchs_message() -> None:
    class Bits(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.view(torch.float64)

    (found,) = inspect_model(Bits(), torch.randn(2, 3)).diagnostics
    assert found.code == "forward-error" and "must be divisible by 2" in found.message


def test_a_loop_over_layers_points_at_the_layer_not_the_loop() -> None:
    class Layers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Conv2d(3, 4, 3), nn.Linear(4 * 6 * 6, 10)])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for layer in self.layers:
                x = layer(x)
            return x

    # inspect_model knows no construction lines: the loop line would be the only one
    (found,) = inspect_model(Layers(), torch.randn(2, 3, 8, 8)).diagnostics
    assert (found.code, found.source) == ("unflattened-input", None)


def test_an_input_linearcli_made_is_never_called_transposed(write: Write) -> None:
    # A YAML spec's batch is made by linearcli, batch first: 4 samples of 10 values into
    # nn.Linear(4, 8) is a mismatch on the features, not a transposed input.
    path = write(
        "net.yaml", "input: {shape: [10], batch_size: 4}\nmodel:\n  fc: {Linear: [4, 8]}\n"
    )
    (found,) = inspect_spec(str(path)).diagnostics
    assert found.fix == "set in_features to 10: nn.Linear(10, 8)"


def test_an_input_the_user_made_with_its_features_first_is_transposed() -> None:
    # inspect_model's input is the user's, as example_input is: its first axis holds the
    # 4 features the layer wants
    (found,) = inspect_model(nn.Sequential(nn.Linear(4, 8)), torch.randn(4, 10)).diagnostics
    assert found.fix == "transpose the input, samples first: x.T; 0's in_features 4 is right"
