"""Silent batch mistakes: nothing raises, and the samples of the batch are mixed, folded
or lost. Each case has a twin that does the same thing correctly and stays clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from linearcli import inspect_model
from linearcli.pipeline import inspect_spec
from linearcli.report import Report

Write = Callable[[str, str], Path]
HERE = "tests/test_samples.py"


def said(report: Report) -> list[tuple[str, str, str | None]]:
    return [(d.severity, d.code, d.layer) for d in report.diagnostics]


def line_of(text: str) -> str:
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    (number,) = [i for i, line in enumerate(lines, 1) if line.strip() == text]
    return f"{HERE}:{number}"


class Bag(nn.Module):
    def __init__(self, over: int) -> None:
        super().__init__()
        self.over = over
        self.embed = nn.Embedding(100, 8)
        self.fc = nn.Linear(8, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids)
        x = x.mean(dim=self.over)
        return self.fc(x)


def test_a_mean_over_the_batch_is_where_the_samples_met() -> None:
    (found,) = inspect_model(Bag(over=0), torch.randint(0, 100, (4, 9))).diagnostics
    assert (found.severity, found.code, found.source) == (
        "warning",
        "batch-axis",
        line_of("x = x.mean(dim=self.over)"),
    )
    assert "reduces over the batch axis ((4, 9, 8) -> (9, 8))" in found.message
    assert found.fix == "mean over the axis after the batch, not the batch itself: dim=1"
    # the same mean over the words keeps the samples apart
    assert inspect_model(Bag(over=1), torch.randint(0, 100, (4, 9))).diagnostics == ()


class Steps(nn.Module):
    def __init__(self, stack: bool) -> None:
        super().__init__()
        self.stack = stack
        self.cell = nn.GRUCell(6, 6)
        self.proj = nn.Linear(6, 10)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        outputs = []
        for _ in range(4):
            h = self.cell(h, h)
            outputs.append(self.proj(h))
        return torch.stack(outputs, dim=1) if self.stack else torch.cat(outputs, dim=0)


def test_a_concatenation_along_the_batch_keeps_each_row_one_samples() -> None:
    # Step-major rows, two views for a contrastive loss, real and generated images: a
    # cat along the batch keeps every row one sample's; how they pair with targets is
    # the training loop's, which linearcli does not see.
    assert inspect_model(Steps(stack=False), torch.randn(3, 6)).diagnostics == ()
    assert inspect_model(Steps(stack=True), torch.randn(3, 6)).diagnostics == ()


class Reviews(nn.Module):
    def __init__(self, batch_first: bool) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=batch_first)
        self.fc = nn.Linear(12, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(self.embed(ids))
        return self.fc(h[-1])


def test_an_lstm_without_batch_first_on_batch_major_data() -> None:
    (found,) = inspect_model(Reviews(batch_first=False), torch.randint(0, 50, (4, 15))).diagnostics
    assert (found.code, found.layer) == ("batch-axis", "lstm")
    # inspect_model knows no constructor lines: the call is where it points
    assert found.source == line_of("_, (h, _) = self.lstm(self.embed(ids))")
    assert "lstm runs along axis 0 of (4, 15, 8), which holds the batch" in found.message
    assert found.fix is not None and "batch_first=True" in found.fix
    assert inspect_model(Reviews(batch_first=True), torch.randint(0, 50, (4, 15))).diagnostics == ()


class Noisy(nn.Module):
    """Draws random numbers in eval: both passes draw the same ones."""

    def __init__(self) -> None:
        super().__init__()
        self.mu = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = self.mu(x)
        return (mu + torch.randn_like(mu)).T  # (4, batch): not batch first, so asked


def test_random_numbers_drawn_in_eval_are_not_mixing() -> None:
    assert inspect_model(Noisy(), torch.randn(6, 8)).diagnostics == ()


def test_a_per_token_flatten_keeps_the_samples_apart() -> None:
    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(30, 8)
            self.head = nn.Linear(8, 30)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.head(self.embed(ids)).view(-1, 30)  # one row per token

    assert inspect_model(LM(), torch.randint(0, 30, (3, 7))).diagnostics == ()


class Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(-1, 28 * 28)
        return self.fc1(x)


def test_rgb_images_into_an_mlp_for_grey_ones_fold_the_channels_into_the_batch() -> None:
    report = inspect_model(Mlp(), torch.randn(4, 3, 28, 28))
    assert said(report) == [("warning", "batch-axis", None), ("warning", "batch-axis", "fc1")]
    fold, fc1 = report.diagnostics
    assert "folds the 3 channels into the batch" in fold.message
    assert "3*28*28" not in (fold.fix or "") and "2352 values per sample" in (fold.fix or "")
    assert fc1.fix == "set in_features to 2352: nn.Linear(2352, 16)"
    # grey images: one row per image
    assert inspect_model(Mlp(), torch.randn(4, 1, 28, 28)).diagnostics == ()


class Regressor(nn.Module):
    def __init__(self, squeeze: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.head = nn.Linear(8, 1)
        self.squeeze = squeeze

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.squeeze(self.head(x))


def test_squeeze_takes_a_batch_of_one_too() -> None:
    (found,) = inspect_model(Regressor(lambda y: y.squeeze()), torch.randn(1, 8)).diagnostics
    assert found.code == "batch-axis"
    assert "drops the batch axis when the batch is 1: (1, 1) becomes ()" in found.message
    assert found.fix == "squeeze only the axes that are 1 for any batch: .squeeze(-1)"
    kept = inspect_model(Regressor(lambda y: y.squeeze(-1)), torch.randn(1, 8))
    assert kept.diagnostics == ()


UNBATCHED = """\
import torch
from torch import nn


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 16, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def example_input():
    window = torch.randn(30, 5)
    return window
"""


def test_an_input_without_its_batch_axis_is_fixed_where_it_is_made(write: Write) -> None:
    path = write("net.py", UNBATCHED)
    (found,) = inspect_spec(str(path)).diagnostics
    assert (found.severity, found.code, found.layer, found.source) == (
        "warning",
        "batch-axis",
        "lstm",
        f"{path}:18",
    )
    assert found.fix == "add the batch axis where the input is made: x.unsqueeze(0), (1, 30, 5)"


def test_pooling_a_set_or_a_graph_into_one_vector_is_what_it_is_for() -> None:
    class Pool(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.phi, self.rho = nn.Linear(3, 8), nn.Linear(8, 2)

        def forward(self, nodes: torch.Tensor) -> torch.Tensor:
            return self.rho(self.phi(nodes).mean(dim=0))  # (N, 3) -> (2,)

    assert inspect_model(Pool(), torch.randn(10, 3)).diagnostics == ()


def test_a_model_that_returns_only_its_loss_is_not_asked() -> None:
    class Loss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x).pow(2).mean()

    assert inspect_model(Loss(), torch.randn(4, 8)).diagnostics == ()


def test_squeezing_the_batch_axis_by_name_is_meant() -> None:
    report = inspect_model(Regressor(lambda y: y.squeeze(0)), torch.randn(1, 8))
    assert report.diagnostics == ()


class WordModel(nn.Module):
    """The word language model of PyTorch's examples: (time, batch) in, time-major."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(40, 8)
        self.rnn = nn.LSTM(8, 16)
        self.decoder = nn.Linear(16, 40)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids))
        return self.decoder(out)


def test_a_time_major_sequence_is_not_read_as_batch_major() -> None:
    # (12 steps, 4 sequences): the first axis is the longer one, so it may be time
    assert inspect_model(WordModel(), torch.randint(0, 40, (12, 4))).diagnostics == ()


class Stateful(nn.Module):
    def __init__(self, batch: int) -> None:
        super().__init__()
        self.batch = batch
        self.rnn = nn.GRU(5, 7, batch_first=True)
        self.fc = nn.Linear(7, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h0 = torch.zeros(1, self.batch, 7)
        out, _ = self.rnn(x, h0)
        return self.fc(out[:, -1])


def test_an_initial_state_sized_for_the_training_batch() -> None:
    report = inspect_model(Stateful(batch=32), torch.randn(4, 9, 5))
    assert said(report) == [("error", "batch-axis", "rnn"), ("info", "not-called", "fc")]
    found = report.diagnostics[0]
    assert (found.severity, found.code, found.layer, found.source) == (
        "error",
        "batch-axis",
        "rnn",
        line_of("h0 = torch.zeros(1, self.batch, 7)"),
    )
    assert "initial state (1, 32, 7)" in found.message
    assert "sized for a batch of 32, but its input's batch is 4" in found.message
    assert found.fix is not None and "x.size(0)" in found.fix
    assert inspect_model(Stateful(batch=4), torch.randn(4, 9, 5)).diagnostics == ()


class TwoStatements(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 8)
        self.fc = nn.Linear(8, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids); x = x.sum(0)  # noqa: E702  # fmt: skip
        return self.fc(x)


def test_a_line_of_two_statements_is_quoted_as_written() -> None:
    (found,) = inspect_model(TwoStatements(), torch.randint(0, 100, (4, 9))).diagnostics
    assert found.code == "batch-axis"
    assert found.source == line_of("x = self.embed(ids); x = x.sum(0)  # noqa: E702  # fmt: skip")
    assert "# noqa" not in found.message
    assert "`x = self.embed(ids); x = x.sum(0)`" in found.message


def test_a_condition_vector_shared_by_the_batch_is_unbatched_on_purpose() -> None:
    class Conditioned(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cond, self.fc = nn.Linear(3, 8), nn.Linear(8, 2)

        def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
            return self.fc(x + self.cond(style))  # style: (3,), one for the whole batch

    assert inspect_model(Conditioned(), torch.randn(4, 8), torch.randn(3)).diagnostics == ()
    # the same model's only input unbatched is said
    (found,) = inspect_model(nn.Sequential(nn.Linear(8, 2)), torch.randn(8)).diagnostics
    assert (found.code, found.layer) == ("batch-axis", "0")
    assert found.message == (
        "the model's input (8,) has no batch axis: 0 takes it as one unbatched sample"
    )
    assert found.fix == "add the batch axis where the input is made: x.unsqueeze(0), (1, 8)"


def test_a_mismatch_after_an_unbatched_input_is_fixed_on_the_input(write: Write) -> None:
    # out[:, -1] meant "the last step of every sequence"; unbatched, it is (30,)
    path = write("net.py", UNBATCHED.replace("h[-1]", "out[:, -1]").replace("_, (h, _)", "out, _"))
    (found,) = inspect_spec(str(path)).diagnostics
    assert (found.severity, found.code, found.layer, found.source) == (
        "error",
        "batch-axis",
        "head",
        f"{path}:18",
    )
    assert "head (Linear 16->1) got (30,)" in found.message
    assert "the model's input has no batch axis (lstm took it" in found.message
    assert found.fix is not None and found.fix.startswith("add the batch axis to the input")
    assert "set in_features" not in found.fix
