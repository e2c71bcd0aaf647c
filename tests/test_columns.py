"""torchinfo's columns (mult-adds, output bytes, params %) and choosing the table's columns."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest
import torch
from rich.console import Console
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from linearcli import RunOptions, inspect_model, inspect_spec
from linearcli.records import ROOT_NAME
from linearcli.render import (
    DEFAULT_COLUMNS,
    KNOWN_COLUMNS,
    render_json,
    render_markdown,
    render_table,
    resolve_columns,
)
from linearcli.render.cells import mult_adds_line, totals_lines
from linearcli.render.columns import LAYOUTS, layouts
from linearcli.report import Report

Golden = Callable[[str, str], None]
TORCHINFO = ["params", "mult_adds", "output_bytes", "status"]


@pytest.fixture(autouse=True)
def _from_repo(in_repo: object) -> None:
    """Paths in the golden files read as typed from the repository root."""


@pytest.fixture(scope="module")
def mlp() -> Report:
    return inspect_spec("specs/mlp.yaml")


def rendered(report: Report, width: int, columns: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(render_table(report, columns=columns))
    return out.getvalue()


# ---- the numbers ----------------------------------------------------------------------


def test_mlp_mult_adds_output_bytes_and_params_percent(mlp: Report) -> None:
    hidden, output = mlp.layers
    assert (hidden.mult_adds, output.mult_adds) == (3 * 784 * 256, 3 * 256 * 10)
    assert (hidden.mult_adds, output.mult_adds) == (602_112, 7_680)
    assert mlp.totals.mult_adds == 609_792
    # float32: prod(output shape) * 4 bytes
    assert (hidden.output_bytes, output.output_bytes) == (3 * 256 * 4, 3 * 10 * 4)
    assert hidden.params_percent == 100 * 200_960 / 203_530
    assert output.params_percent == 100 * 2_570 / 203_530
    assert f"{hidden.params_percent:.2f}" == "98.74"


def test_json_has_the_cost_fields(mlp: Report) -> None:
    import json

    data = json.loads(render_json(mlp))
    assert data["totals"]["mult_adds"] == 609_792
    hidden = data["layers"][0]
    assert (hidden["mult_adds"], hidden["output_bytes"]) == (602_112, 3_072)
    assert hidden["params_percent"] == pytest.approx(98.737287, abs=1e-6)


class Twice(nn.Module):
    """One Linear called on two batches of different shapes, and one never called."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 6)
        self.spare = nn.Linear(6, 6, bias=False)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.fc(x).sum() + self.fc(y).sum()


@pytest.mark.parametrize(("dtype", "size"), [(torch.float32, 4), (torch.float64, 8)])
def test_a_linear_called_twice_counts_both_calls(dtype: torch.dtype, size: int) -> None:
    model = Twice().to(dtype)
    x, y = torch.randn(2, 5, 8, dtype=dtype), torch.randn(4, 8, dtype=dtype)
    report = inspect_model(model, x, y)
    fc, spare = report.layers
    assert fc.calls == 2 and fc.output_shape == (2, 5, 6)  # the table shows the first call
    assert fc.mult_adds == 2 * 5 * 8 * 6 + 4 * 8 * 6 == 672
    assert fc.output_bytes == (2 * 5 * 6 + 4 * 6) * size
    assert (spare.calls, spare.mult_adds, spare.output_bytes) == (0, 0, 0)
    assert report.totals.mult_adds == 672
    assert fc.params_percent == 100 * 54 / (54 + 36)
    assert flop_counter_mult_adds(model, x, y) == {"fc": 672, "spare": 0}


def test_meta_device_counts_from_shapes_alone() -> None:
    report = inspect_spec("specs/mlp.yaml", RunOptions(device="meta"))
    assert [layer.mult_adds for layer in report.layers] == [602_112, 7_680]
    assert [layer.output_bytes for layer in report.layers] == [3_072, 120]


# ---- agreement with torch's FlopCounterMode ---------------------------------------------


def flop_counter_mult_adds(
    model: nn.Module, *inputs: torch.Tensor, maps: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Each nn.Linear's mult-adds as torch counts them, and those of the modules named in
    ``maps`` (linear maps of other types, such as Conv1D): their FLOPs over 2.

    FlopCounterMode keys its counts by module: the root by its class name, the rest
    ``Root.child.grandchild`` (torch/utils/module_tracker.py, ``_get_mod_name``).
    """
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*inputs)
    counts = counter.get_flop_counts()
    root = type(model).__name__
    found = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) or name in maps:
            key = f"{root}.{name}" if name else root
            flops = sum(counts.get(key, {}).values())
            assert flops % 2 == 0
            found[name or ROOT_NAME] = flops // 2
    return found


def assert_agrees_with_flop_counter(model: nn.Module, *inputs: torch.Tensor) -> Report:
    report = inspect_model(model, *inputs)
    ours = {layer.name: layer.mult_adds for layer in report.layers}
    maps = frozenset(layer.name for layer in report.layers if layer.kind != "Linear")
    assert ours == flop_counter_mult_adds(model, *inputs, maps=maps)
    assert report.totals.mult_adds == sum(ours.values())
    return report


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3)
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 6 * 6, 32), nn.ReLU())
        self.classifier = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head(self.features(x)))


def test_small_cnn_agrees_with_flop_counter() -> None:
    torch.manual_seed(0)
    report = assert_agrees_with_flop_counter(SmallCNN(), torch.randn(2, 3, 16, 16))
    assert [layer.mult_adds for layer in report.layers] == [2 * 576 * 32, 2 * 32 * 10]


def test_a_model_that_is_one_linear_agrees_with_flop_counter() -> None:
    report = assert_agrees_with_flop_counter(nn.Linear(4, 3), torch.randn(2, 7, 4))
    assert report.layers[0].name == ROOT_NAME and report.layers[0].mult_adds == 2 * 7 * 4 * 3


def test_linear_called_twice_agrees_with_flop_counter() -> None:
    torch.manual_seed(0)
    assert_agrees_with_flop_counter(Twice(), torch.randn(2, 5, 8), torch.randn(4, 8))


@pytest.mark.slow
def test_bert_base_agrees_with_flop_counter() -> None:
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.BertConfig()
    model = transformers.BertModel(config)
    report = assert_agrees_with_flop_counter(model, torch.randint(0, config.vocab_size, (2, 16)))
    assert len(report.layers) == 73 and all(layer.mult_adds > 0 for layer in report.layers)
    query = next(layer for layer in report.layers if layer.name.endswith("0.attention.self.query"))
    assert query.mult_adds == 2 * 16 * 768 * 768


@pytest.mark.slow
def test_gpt2_conv1d_and_lm_head_agree_with_flop_counter() -> None:
    # GPT-2's attention and MLP projections are transformers' Conv1D (addmm on a weight
    # kept (in, out)): linear maps with their own rows, counted as torch counts them.
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_layer=2))
    report = assert_agrees_with_flop_counter(model, torch.randint(0, 50_257, (2, 16)))
    tokens = 2 * 16
    block = [768 * 2304, 768 * 768, 768 * 3072, 3072 * 768]
    assert [layer.mult_adds for layer in report.layers] == [
        tokens * n for _ in range(2) for n in block
    ] + [tokens * 768 * 50_257]


# ---- choosing the columns ------------------------------------------------------------------


def test_default_columns_are_the_table_as_it_was(mlp: Report) -> None:
    assert resolve_columns(None) == DEFAULT_COLUMNS
    assert rendered(mlp, 120, DEFAULT_COLUMNS) == rendered(mlp, 120)
    assert render_markdown(mlp, columns=list(DEFAULT_COLUMNS)) == render_markdown(mlp)
    assert layouts() == LAYOUTS
    assert "mult-adds" not in rendered(mlp, 200) + render_markdown(mlp)


def test_columns_choose_and_order_the_table(mlp: Report, golden: Golden) -> None:
    text = rendered(mlp, 100, TORCHINFO)
    golden("mlp_columns_table_100.txt", text)
    header = next(line for line in text.splitlines() if line.startswith(" layer")).split()
    assert header == ["layer", "params", "mult-adds", "output", "bytes", "status"]
    assert "hidden  200,960    602,112       3.0 KiB  ok" in text
    assert "output    2,570      7,680         120 B  ok" in text
    assert "609.8 K mult-adds in Linear layers (609,792)" in text
    assert "→ 256" not in text  # in_out was not asked for


def test_columns_in_markdown(mlp: Report, golden: Golden) -> None:
    text = render_markdown(mlp, columns=["status", "mult_adds", "params_percent", "layer"])
    golden("mlp_columns.md", text)
    assert "| layer | status | mult-adds | params % |\n|---|---|---:|---:|\n" in text
    assert "| hidden | ok | 602,112 | 98.74% |" in text
    assert "| output | ok | 7,680 | 1.26% |" in text
    assert "609.8 K mult-adds in Linear layers (609,792)  \n" in text


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        pytest.param([], ("layer",), id="only-layer"),
        pytest.param(["status", "layer"], ("layer", "status"), id="layer-always-first"),
        pytest.param(list(KNOWN_COLUMNS), KNOWN_COLUMNS, id="all"),
    ],
)
def test_resolve_columns(columns: list[str], expected: tuple[str, ...]) -> None:
    assert resolve_columns(columns) == expected


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        pytest.param(["params", "flops"], ["unknown column 'flops'"], id="unknown"),
        pytest.param(["macs", "Params"], ["unknown columns 'macs', 'Params'"], id="two"),
        pytest.param(["params", "params"], ["more than once: params"], id="twice"),
    ],
)
def test_bad_columns_are_a_value_error(mlp: Report, columns: list[str], words: list[str]) -> None:
    for render in (render_table, render_markdown):
        with pytest.raises(ValueError) as raised:
            render(mlp, columns=columns)
        for word in words:
            assert word in str(raised.value)
    if len(words) == 1 and "unknown" in words[0]:
        assert ", ".join(KNOWN_COLUMNS) in str(raised.value)  # the message lists them


def test_a_string_is_not_a_list_of_columns() -> None:
    with pytest.raises(TypeError):
        resolve_columns("params")


def test_mult_adds_line_only_with_the_mult_adds_column(mlp: Report) -> None:
    assert len(totals_lines(mlp)) == 3
    assert len(totals_lines(mlp, ["params"])) == 3
    assert totals_lines(mlp, ["mult_adds"])[1] == "609.8 K mult-adds in Linear layers (609,792)"


@pytest.mark.parametrize(
    ("count", "line"),
    [
        (0, "0 mult-adds in Linear layers"),
        (999, "999 mult-adds in Linear layers"),
        (1_000, "1.0 K mult-adds in Linear layers (1,000)"),
        (999_949, "999.9 K mult-adds in Linear layers (999,949)"),
        (999_950, "1.0 M mult-adds in Linear layers (999,950)"),
        (11_184_111_616, "11.2 G mult-adds in Linear layers (11,184,111,616)"),
    ],
)
def test_mult_adds_line(count: int, line: str) -> None:
    assert mult_adds_line(count) == line


def test_narrower_terminals_leave_out_what_can_be_spared_and_say_so() -> None:
    report = inspect_spec("specs/transformer.yaml")
    every = [c for c in KNOWN_COLUMNS if c != "layer"]
    text = rendered(report, 80, every)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "mult-adds" in text and "params %" in text and "output bytes" in text
    assert "not shown at this width: weight, bias, init ±, weight range, input, output" in text
    narrow = rendered(report, 60, every)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert " layer           in → out   params  mult-adds  status" in narrow
    assert "params %, output\nbytes" in narrow  # what the table left out, said under it


def test_too_narrow_for_a_table_the_lines_keep_the_chosen_facts() -> None:
    text = rendered(inspect_spec("specs/transformer.yaml"), 34, ["mult_adds", "params"])
    assert "\nhead\n  2,048,000 mult-adds, 65,000\nparams\n" in text
    # MultiheadAttention uses out_proj's weight without calling it: no mult-adds to say.
    assert "\nencoder.self_attn.out_proj\n  4,160 params\n" in text
    assert "weight (" not in text and "init" not in text


def test_a_folded_row_shows_one_block_and_a_summary_sums_its_linears() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.ReLU()) for _ in range(3)])
    report = inspect_model(model, torch.randn(2, 4))
    assert report.totals.mult_adds == 3 * 2 * 4 * 4
    folded = render_markdown(report, columns=TORCHINFO)
    assert "| 0-2.0 | 20 | 32 | 32 B | ok |" in folded
    summary = render_markdown(report, columns=TORCHINFO, depth=1)
    assert "| 0-2 ×3 | 20 | 32 | 32 B | ok |" in summary
