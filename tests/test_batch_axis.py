"""Silent batch-axis mistakes: nothing raises, but the output has no row per sample."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn

from linearcli import inspect_model

HERE = "tests/test_batch_axis.py"


class Folds(nn.Module):
    """x.view(-1, 320) on 16 x 5 x 5 maps: 4 images come out as 5 rows."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv(x), 2)
        x = x.view(-1, 320)  # the line to edit
        return self.fc2(F.relu(self.fc1(x)))


def line_of(text: str) -> str:
    with open(HERE, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if text in line:
                return f"{HERE}:{number}"
    raise AssertionError(text)


def test_a_view_that_mixes_samples_points_at_the_view_and_the_linear() -> None:
    report = inspect_model(Folds(), torch.randn(4, 3, 14, 14))
    assert report.outputs == (("", (5, 10)),)
    view, linear = report.diagnostics
    assert (view.severity, view.code, view.layer) == ("warning", "batch-axis", None)
    assert view.source == line_of("x = x.view(-1, 320)  # the line to edit")
    assert view.message.startswith(
        f"view (or reshape) at {view.source} made (5, 320) from (4, 16, 5, 5): it deals the "
        "4 samples out as 5 rows, not a whole number per sample, so rows mix samples "
        "(400 values each)"
    )
    assert (
        view.fix
        == "keep the batch axis: x.view(x.size(0), -1) (or x.flatten(1)): 400 values per sample"
    )
    assert (linear.code, linear.layer) == ("batch-axis", "fc1")
    assert linear.fix == "set in_features to 400: nn.Linear(400, 50)"
    assert report.ok and report.failed(strict=True)  # warnings: a pre-commit hook fails


class PerToken(nn.Module):
    """A language model's logits flattened for the loss: one row per token per sample."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.head = nn.Linear(16, 50)

    def forward(
        self, ids: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.head(self.embed(ids)).view(-1, 50)
        return logits, F.cross_entropy(logits, targets.view(-1))


class SequenceFirst(nn.Module):
    """(T, B) tokens, PyTorch's default layout for nn.Transformer: mean over time."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(30, 16)
        layer = nn.TransformerEncoderLayer(16, 2, 32)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.fc = nn.Linear(16, 3)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc(self.encoder(self.embed(tokens)).mean(dim=0))


class KeepsState(nn.Module):
    """Keeps its last output and a step count; its output mixes samples."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 4)
        self.steps = 0
        self.last: torch.Tensor | None = None
        self.seen: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.steps += 1
        self.seen.append(tuple(x.shape))
        self.last = self.fc(x).detach()
        return self.last.reshape(-1, 8)[:, :3]


class LazyLeftOver(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 4)
        self.spare = nn.LazyLinear(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x).reshape(-1, 8)


def test_correct_models_stay_clean() -> None:
    ids = torch.randint(0, 50, (4, 8))
    assert inspect_model(PerToken(), ids, ids).diagnostics == ()  # (32, 50): 8 per sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on batch_first
        time_first = inspect_model(SequenceFirst().eval(), torch.randint(0, 30, (12, 5)))
    assert time_first.diagnostics == ()
    assert inspect_model(FoldsHeads(), torch.randn(2, 5, 16)).diagnostics == ()
    assert inspect_model(ReturnsLoss(), torch.randn(4, 8)).diagnostics == ()  # a scalar
    assert inspect_model(nn.GRU(8, 16), torch.randn(7, 3, 8)).diagnostics == ()


def test_the_second_look_leaves_the_model_as_found() -> None:
    model = KeepsState().eval()
    x = torch.randn(4, 6)
    torch.manual_seed(1)
    expected = torch.rand(1)
    torch.manual_seed(1)
    report = inspect_model(model, x)
    assert [d.code for d in report.diagnostics] == ["batch-axis"]  # 4 samples as 2 rows
    assert torch.equal(torch.rand(1), expected)
    assert model.steps == 1 and model.last is not None and model.last.device.type == "cpu"
    assert model.seen == [(4, 6)]  # the inspected pass's, not the second look's
    assert not model.training


def test_a_lazy_module_stops_the_second_look_not_the_report() -> None:
    report = inspect_model(LazyLeftOver(), torch.randn(4, 6))
    assert [(d.code, d.layer) for d in report.diagnostics] == [("not-called", "spare")]


class FoldsHeads(nn.Module):
    """Attention's own fold: batch and heads together for bmm, then apart again."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(16, 48)
        self.out = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.reshape(b, t, 4, 4).transpose(1, 2).reshape(b * 4, t, 4) for z in (q, k, v))
        weights = torch.softmax(q @ k.transpose(1, 2), dim=-1)
        y = (weights @ v).reshape(b, 4, t, 4).transpose(1, 2).reshape(b, t, 16)
        return self.out(y)


class ReturnsLoss(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x).pow(2).mean()
