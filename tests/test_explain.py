from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .conftest import Result

Cli = Callable[..., Result]
DONE_WHEN_INPUT = "[[1.0,-1.0],[0.0,1.0],[0.0,0.0]]"


def recompute(data: dict[str, object]) -> list[list[float]]:
    """y = x W^T + b from the printed numbers alone."""
    x, w, b = data["input"], data["weight"], data["bias"]
    assert isinstance(x, list) and isinstance(w, list)
    return [
        [
            sum(xi * wj for xi, wj in zip(row, w_row, strict=True)) + (b[j] if b else 0.0)
            for j, w_row in enumerate(w)
        ]  # type: ignore[index]
        for row in x
    ]


def test_done_when_json_satisfies_y_equals_x_w_transposed_plus_b(cli: Cli) -> None:
    result = cli("explain", "2", "2", "--input", DONE_WHEN_INPUT, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["in_features"], data["out_features"], data["params"]) == (2, 2, 6)
    assert data["init_bound"] == pytest.approx(2**-0.5)
    assert data["input"] == [[1.0, -1.0], [0.0, 1.0], [0.0, 0.0]]
    assert len(data["weight"]) == 2 and len(data["bias"]) == 2
    for got_row, want_row in zip(data["output"], recompute(data), strict=True):
        assert got_row == pytest.approx(want_row, abs=1e-5)
    assert data["output"][2] == pytest.approx(data["bias"])  # x = 0: y is the bias
    element = data["element"]
    assert element["index"] == [0, 1]
    assert element["value"] == pytest.approx(element["module_value"], abs=1e-5)
    assert element["module_value"] == pytest.approx(data["output"][0][1], abs=1e-7)


def test_done_when_table_shows_the_worked_example(
    cli: Cli, golden: Callable[[str, str], None]
) -> None:
    result = cli("explain", "2", "2", "--input", DONE_WHEN_INPUT)
    assert result.exit_code == 0
    golden("explain_2_2.txt", result.stdout)
    text = result.stdout
    for fact in (
        "nn.Linear(2, 2): y = x Wᵀ + b",
        "x (3, 2) @ Wᵀ (2, 2) + b (2,) → (3, 2)",
        "Parameters: 2×2 = 4 weights + 2 biases = 6",
        "U(-1/√2, +1/√2) = U(-0.7071, +0.7071)",
        "y[0, 1] = x[0, 0]·W[1, 0] + x[0, 1]·W[1, 1] + b[1]",
        "✓ the module returned",
    ):
        assert fact in text
    data = json.loads(cli("explain", "2", "2", "--input", DONE_WHEN_INPUT, "-f", "json").stdout)
    assert (
        f"[{data['weight'][1][0]: .4f}  {data['weight'][1][1]: .4f}]" in text
    )  # W printed in full


def test_no_bias(cli: Cli) -> None:
    data = json.loads(cli("explain", "3", "4", "--no-bias", "-f", "json").stdout)
    assert (data["bias"], data["params"], data["element"]["bias"]) == (None, 12, None)
    for got_row, want_row in zip(data["output"], recompute(data), strict=True):
        assert got_row == pytest.approx(want_row, abs=1e-5)
    text = cli("explain", "3", "4", "--no-bias").stdout
    assert "nn.Linear(3, 4, bias=False): y = x Wᵀ" in text and "b[" not in text


def test_batch_and_seed(cli: Cli) -> None:
    def run(*args: str) -> dict[str, list[list[float]]]:
        return json.loads(cli("explain", "4", "3", "-f", "json", *args).stdout)  # type: ignore[no-any-return]

    assert [len(run("--batch", "5")["input"]), len(run()["input"])] == [5, 2]
    assert run("--seed", "1") == run("--seed", "1")
    assert run("--seed", "1")["weight"] != run("--seed", "2")["weight"]


@pytest.mark.parametrize(
    ("values", "shape"),
    [("[1.0, 2.0, 3.0]", [2]), ("[[[1, 2, 3], [4, 5, 6]]]", [1, 2, 2])],
    ids=["one-sample", "sequence"],
)
def test_any_leading_axes(cli: Cli, values: str, shape: list[int]) -> None:
    data = json.loads(cli("explain", "3", "2", "--input", values, "-f", "json").stdout)
    assert data["output_shape"] == shape
    assert data["element"]["value"] == pytest.approx(data["element"]["module_value"], abs=1e-5)


def test_large_layers_show_statistics_not_matrices(cli: Cli) -> None:
    text = cli("explain", "784", "256").stdout
    assert "W: (256, 784), min -0.0357" in text
    assert "a sum over all 784 input features" in text and "…" in text
    assert "✓ the module returned" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads(cli("explain", "300", "300", "-f", "json").stdout)
    assert data["weight"] is None and data["weight_shape"] == [300, 300]  # 90,000 values: null
    assert len(data["input"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["3", "2", "--input", "[[1, 2]]"],
            "--input has shape (1, 2): its last axis must be in_features = 3",
        ),
        (["3", "2", "--input", "[[1, 2"], "--input is not JSON"),
        (["3", "2", "--input", '[["a", 1, 2]]'], "--input must be a nested list of numbers"),
        (["3", "2", "--input", "[[1, 2, 3], [4]]"], "--input must be a nested list of numbers"),
        (["100000", "100000"], "more than explain builds"),
    ],
    ids=["last-axis", "not-json", "not-numbers", "ragged", "too-large"],
)
def test_bad_requests_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli("explain", *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_zero_features_is_a_usage_error(cli: Cli) -> None:
    assert cli("explain", "0", "2").exit_code == 2
