"""Silent batch-axis mistakes: nothing raises, but the output has no row per sample."""

from __future__ import annotations

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


def test_a_view_that_folds_the_batch_points_at_the_view_and_the_linear() -> None:
    report = inspect_model(Folds(), torch.randn(4, 3, 14, 14))
    assert report.outputs == (("", (5, 10)),)
    view, linear = report.diagnostics
    assert (view.severity, view.code, view.layer) == ("warning", "batch-axis", None)
    assert view.source == line_of("x = x.view(-1, 320)  # the line to edit")
    assert view.message.startswith(
        f"view (or reshape) at {view.source} made (5, 320) from (4, 16, 5, 5): it folds the "
        "batch axis into another: a batch of 4 comes out as 5 rows"
    )
    assert view.fix is not None and "x.view(x.size(0), -1)" in view.fix
    assert "400 values per sample" in view.fix
    assert (linear.code, linear.layer) == ("batch-axis", "fc1")
    assert linear.fix == "set in_features to 400: nn.Linear(400, 50)"
    assert report.ok and report.failed(strict=True)  # warnings: a pre-commit hook fails


class Reduces(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x).mean(self.dim)


def test_a_mean_over_the_batch_is_found_and_over_features_is_not() -> None:
    (finding,) = inspect_model(Reduces(0), torch.randn(5, 8)).diagnostics
    assert finding.code == "batch-axis" and "reduces over the batch axis" in finding.message
    assert finding.fix is not None and "dim=1" in finding.fix
    assert inspect_model(Reduces(1), torch.randn(5, 8)).diagnostics == ()


class Joins(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.a, self.b = nn.Linear(8, 4), nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.a(x), self.b(x)], dim=self.dim)


def test_a_cat_along_the_batch_is_found() -> None:
    (finding,) = inspect_model(Joins(0), torch.randn(3, 8)).diagnostics
    assert "joins along the batch axis: the 3 samples become 6" in finding.message
    assert finding.fix is not None and "dim=1" in finding.fix
    assert inspect_model(Joins(1), torch.randn(3, 8)).diagnostics == ()


class Squeezes(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x[:, :, None].squeeze())


def test_squeeze_of_a_batch_of_one_is_found() -> None:
    (finding,) = inspect_model(Squeezes(), torch.randn(1, 8)).diagnostics
    assert "drops the batch axis (the batch here is 1)" in finding.message
    assert finding.fix is not None and "squeeze(-1)" in finding.fix


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


def test_correct_models_stay_clean() -> None:
    assert inspect_model(FoldsHeads(), torch.randn(2, 5, 16)).diagnostics == ()
    assert inspect_model(ReturnsLoss(), torch.randn(4, 8)).diagnostics == ()  # a scalar
    time_major = nn.GRU(8, 16)  # (T, B, F): axis 0 is time, kept
    assert inspect_model(time_major, torch.randn(7, 3, 8)).diagnostics == ()


def test_the_second_look_leaves_the_model_as_found() -> None:
    model = Folds().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    inspect_model(model, torch.randn(4, 3, 14, 14))
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert all(v.device.type == "cpu" for v in model.state_dict().values())
