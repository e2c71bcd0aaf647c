"""A layer an eval pass skips but training runs (an auxiliary head) is train-only, not dead;
and the not-called fix names the layer as Python reaches it."""

from __future__ import annotations

from unittest import mock

import torch
from torch import nn

from linearcli import inspect_model
from linearcli.diagnose import attribute
from linearcli.trace import hooks


class WithAuxHead(nn.Module):
    """GoogLeNet's pattern: an auxiliary classifier only while training, BatchNorm and
    dropout in the trunk so that a train-mode pass would change buffers and draw numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.Dropout(0.3))
        self.aux = nn.Linear(16, 3)
        self.head = nn.Linear(16, 3)
        self.spare = nn.Linear(16, 3)  # dead in both modes

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        hidden = self.trunk(x)
        if self.training:
            return self.head(hidden), self.aux(hidden)
        return self.head(hidden)


def test_a_train_only_head_is_an_info_and_a_dead_layer_stays_a_warning() -> None:
    model = WithAuxHead().eval()
    buffers = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(7)
    report = inspect_model(model, torch.randn(4, 12))
    status = {layer.name: (layer.status, layer.calls) for layer in report.layers}
    assert status == {
        "trunk.0": ("ok", 1),
        "aux": ("train-only", 0),
        "head": ("ok", 1),
        "spare": ("not-called", 0),
    }
    found = [(d.severity, d.code, d.layer) for d in report.diagnostics]
    assert found == [("warning", "not-called", "spare"), ("info", "train-only", "aux")]
    (aux,) = [d for d in report.diagnostics if d.code == "train-only"]
    assert aux.message.startswith("aux (Linear 16->3) runs only in training mode")
    assert report.ok and report.failed(strict=True)  # the dead layer, not the aux head
    # the model as it was: eval mode, BatchNorm's statistics, the random generator
    assert not model.training and not any(m.training for m in model.modules())
    assert all(torch.equal(v, buffers[k]) for k, v in model.state_dict().items())
    x = torch.randn(4, 12)
    torch.manual_seed(7)
    expected = torch.rand(1)
    torch.manual_seed(7)
    inspect_model(model, x)  # two eval passes and a train pass, dropout drawing in it
    assert torch.equal(torch.rand(1), expected)


def test_in_train_mode_the_aux_head_runs_and_is_ok() -> None:
    report = inspect_model(WithAuxHead(), torch.randn(4, 12), mode="train")
    status = {layer.name: layer.status for layer in report.layers}
    assert status == {"trunk.0": "ok", "aux": "ok", "head": "ok", "spare": "not-called"}


def test_the_train_pass_runs_only_for_a_layer_nothing_used() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with mock.patch.object(
        hooks.Recorder, "run", autospec=True, side_effect=hooks.Recorder.run
    ) as run:
        inspect_model(model, torch.randn(2, 4))
    assert [call.kwargs.get("training") for call in run.call_args_list] == [False]
    with mock.patch.object(
        hooks.Recorder, "run", autospec=True, side_effect=hooks.Recorder.run
    ) as run:
        inspect_model(WithAuxHead(), torch.randn(4, 12))
    # unwatched, then watched (a Linear went uncalled), then in train mode
    assert [call.kwargs.get("training") for call in run.call_args_list] == [False, False, True]


def test_a_train_pass_that_fails_leaves_the_layer_not_called() -> None:
    """BatchNorm refuses a batch of one in training mode: nothing is known of the aux
    head, so it stays a not-called warning rather than a guess."""
    report = inspect_model(WithAuxHead(), torch.randn(1, 12))
    status = {layer.name: layer.status for layer in report.layers}
    assert status["aux"] == "not-called" and status["spare"] == "not-called"
    assert not [d for d in report.diagnostics if d.code == "train-only"]


def test_the_not_called_fix_is_python() -> None:
    assert attribute("features.1.0.attn.qkv") == "self.features[1][0].attn.qkv"
    assert attribute("blocks.stage-1.fc") == "self.blocks['stage-1'].fc"
    model = nn.Sequential(nn.Linear(4, 4), nn.ModuleList([nn.Linear(4, 4)]))
    model.forward = lambda x: model[0](x)  # type: ignore[method-assign]
    report = inspect_model(model, torch.randn(2, 4))
    (finding,) = report.diagnostics
    assert finding.fix == "call self[1][0] in forward(), or delete it (20 parameters)"


class TrainingWrites(nn.Module):
    """Training-only code that writes: a parameter scaled in place, a step counter, a new
    attribute, and a LazyLinear only training calls."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.aux = nn.Linear(4, 2)
        self.codebook = nn.Parameter(torch.ones(3))
        self.steps = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if self.training:
            self.codebook.data.mul_(0.5)
            self.steps += 1
            self.seen = True
            return self.fc(x), self.aux(x)
        return self.fc(x)


def test_the_train_pass_leaves_parameters_and_attributes_as_found() -> None:
    model = TrainingWrites().eval()
    report = inspect_model(model, torch.randn(2, 4))
    assert {layer.name: layer.status for layer in report.layers} == {
        "fc": "ok",
        "aux": "train-only",
    }
    assert torch.equal(model.codebook.detach(), torch.ones(3))
    assert model.steps == 0 and not hasattr(model, "seen")


class LazyInTraining(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.later = nn.LazyLinear(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.later(x) if self.training else self.fc(x)


def test_a_lazy_module_is_not_materialised_by_a_train_pass() -> None:
    model = LazyInTraining().eval()
    report = inspect_model(model, torch.randn(2, 4))
    assert isinstance(model.later, nn.LazyLinear)
    assert [layer.status for layer in report.layers] == ["ok", "not-called"]


def test_every_fix_path_is_python() -> None:
    import ast

    names = ["features.1.0.attn.qkv", "blocks.stage-1.fc", "heads.lambda.proj", "0", "a.b"]
    for name in names:
        ast.parse(attribute(name), mode="eval")
    assert attribute("heads.lambda.proj") == "getattr(self.heads, 'lambda').proj"


class QuantizedBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.spare = nn.Linear(3, 3)
        scale = torch.quantize_per_tensor(torch.randn(3), 0.1, 0, torch.qint8)
        self.register_buffer("scale", scale)  # no meta twin: no train pass, no crash

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def test_a_tensor_without_a_meta_twin_skips_the_train_pass() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation of quantized tensors
        model = QuantizedBuffer()
    report = inspect_model(model, torch.randn(2, 8))
    assert [(d.code, d.layer) for d in report.diagnostics] == [("not-called", "spare")]
