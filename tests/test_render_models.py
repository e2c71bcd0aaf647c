"""BERT-base and a GPT-3-sized spec rendered at every width: folded, nothing cut in two."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from rich.console import Console

from linearcli import RunOptions, inspect_spec
from linearcli.render import NOT_MATERIALISED, display_rows, render_markdown, render_table
from linearcli.report import Report, format_shape

Golden = Callable[[str, str], None]
# A shape cut at the end of a cell: "(2, 16," followed by two spaces or the line's end.
_CUT_SHAPE = re.compile(r"\(\d+(?:, \d+)*,?(?: {2}|$)")


@pytest.fixture(autouse=True)
def _from_repo(in_repo: object) -> None:
    """Paths in the golden files read as typed from the repository root."""


@pytest.fixture(scope="module")
def bert() -> Report:
    # A budget of its own: the default, half the memory free now, moves it to meta on a
    # busy machine, and the golden files show its weights.
    return inspect_spec("specs/bert.py", RunOptions(max_memory=2**36))


@pytest.fixture(scope="module")
def gpt3() -> Report:
    # On meta by request: the automatic fallback's note names this machine's memory.
    return inspect_spec("specs/gpt3.yaml", RunOptions(device="meta"))


def rendered(report: Report, width: int, **kwargs: object) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    console.print(render_table(report, **kwargs))  # type: ignore[arg-type]
    return out.getvalue()


def check_nothing_is_cut(report: Report, width: int) -> None:
    text = rendered(report, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    words = {word for line in lines for word in re.split(r"[\s.]+", line)}
    for layer in report.layers:
        for segment in layer.name.split("."):
            assert segment.isdigit() or segment in words, (width, segment)
        assert f"{layer.params:,}" in words, (width, layer.params)
    shown = {
        "weight": [format_shape(layer.weight_shape) for layer in report.layers],
        "bias": [format_shape(layer.bias_shape) for layer in report.layers],
        "input": [format_shape(layer.input_shape) for layer in report.layers if layer.calls],
        "output": [format_shape(layer.output_shape) for layer in report.layers if layer.calls],
        "weight range": [NOT_MATERIALISED] if report.device == "meta" else [],
    }
    header = "\n".join(lines[:6])
    for column, facts in shown.items():
        if re.search(rf"(?<!\w){column}(?!\w| range)", header):
            for fact in facts:
                assert any(fact in line for line in lines), (width, column, fact)
    assert not any(_CUT_SHAPE.search(line) for line in lines), width
    t = report.totals
    maps = t.linear_maps > t.linear_layers
    total = f"{t.linear_map_params:,} parameters in linear maps" if maps else None
    assert (total or f"{t.linear_params:,} Linear parameters") in " ".join(text.split())


def printed_params_add_up(text: str) -> tuple[int, int]:
    """The params column times the ×N of each row's groups, and the printed total.

    A row is in a group when it is indented under it (a tree) or its name starts with
    the group's name (full names).
    """
    groups: list[tuple[int, str, int]] = []  # indent, name, N of the ×N groups above
    total = 0
    for line in text.splitlines():
        found = re.match(
            r" ( *)(\S+)(?: ×(\d+))?"
            r"(?: {2,}(?:\d+ → \d+|\d+ Linears?)(?: +\([\d, ]+\)| +-)* +([\d,]+) | *$)",
            line,
        )
        if found is None or not found.group(2)[0].isalnum():
            continue
        indent, name, count, params = found.groups()
        groups = [g for g in groups if g[0] < len(indent) or name.startswith(g[1] + ".")]
        times = 1
        for *_, n in groups:
            times *= n
        if params is not None:
            total += int(params.replace(",", "")) * times * int(count or 1)
        elif count is not None:
            groups.append((len(indent), name, int(count)))
    printed = re.search(
        r"([\d,]+) (?:Linear parameters|parameters in linear maps)", " ".join(text.split())
    )
    assert printed is not None
    return total, int(printed.group(1).replace(",", ""))


@pytest.mark.parametrize("width", [60, 80, 100])
def test_gpt3_golden(gpt3: Report, golden: Golden, width: int) -> None:
    text = rendered(gpt3, width)
    golden(f"gpt3_table_{width}.txt", text)
    assert " blocks.0-95 ×96 " in text
    assert "   linear1 " in text and "604,028,928" in text


@pytest.mark.slow
@pytest.mark.parametrize("width", [60, 80, 100])
def test_bert_golden(bert: Report, golden: Golden, width: int) -> None:
    text = rendered(bert, width)
    golden(f"bert_table_{width}.txt", text)
    assert " encoder.layer.0-11 ×12 " in text
    assert len(text.splitlines()) < 40


def test_gpt3_every_width(gpt3: Report) -> None:
    for width in range(60, 161):
        check_nothing_is_cut(gpt3, width)


@pytest.mark.slow
def test_bert_every_width(bert: Report) -> None:
    for width in range(60, 161):
        check_nothing_is_cut(bert, width)


def test_gpt3_96_blocks_fold_into_one_group(gpt3: Report) -> None:
    rows = display_rows(gpt3.layers, gpt3.diagnostics)
    assert [(r.kind, r.title(r.name), r.times) for r in rows] == [
        ("heading", "blocks.0-95 ×96", 96),
        ("heading", "blocks.0-95.self_attn", 96),
        ("linear", "blocks.0-95.self_attn.in_proj", 96),  # q, k and v packed in one matrix
        ("linear", "blocks.0-95.self_attn.out_proj", 96),
        ("linear", "blocks.0-95.linear1", 96),
        ("linear", "blocks.0-95.linear2", 96),
        ("linear", "head", 1),
    ]
    packed = 96 * (3 * 12288 * 12288 + 3 * 12288)
    assert gpt3.totals.linear_params == 131_084_267_520
    for width in (60, 80, 100, 200):
        total, printed = printed_params_add_up(rendered(gpt3, width))
        assert total == printed == gpt3.totals.linear_map_params == 131_084_267_520 + packed


@pytest.mark.slow
def test_bert_folds_one_block_of_six_linears(bert: Report) -> None:
    rows = display_rows(bert.layers, bert.diagnostics)
    linears = [r for r in rows if r.kind == "linear"]
    assert [r.name for r in linears] == [
        "encoder.layer.0-11.attention.self.query",
        "encoder.layer.0-11.attention.self.key",
        "encoder.layer.0-11.attention.self.value",
        "encoder.layer.0-11.attention.output.dense",
        "encoder.layer.0-11.intermediate.dense",
        "encoder.layer.0-11.output.dense",
        "pooler.dense",
    ]
    assert [r.times for r in linears] == [12] * 6 + [1]
    assert rows[0].title(rows[0].name) == "encoder.layer.0-11 ×12"
    for width in (60, 80, 100, 200):
        total, printed = printed_params_add_up(rendered(bert, width))
        assert total == printed == bert.totals.linear_params == 85_608_192
    query = [layer for layer in bert.layers if layer.name.endswith("self.query")]
    low = min(layer.weight_range[0] for layer in query)  # type: ignore[index]
    high = max(layer.weight_range[1] for layer in query)  # type: ignore[index]
    assert f"{low:.4g} … {high:.4g}" in rendered(bert, 100)


@pytest.mark.slow
def test_bert_expanded_shows_all_73_linears(bert: Report) -> None:
    rows = display_rows(bert.layers, bert.diagnostics, expand=True)
    assert [r.name for r in rows if r.kind == "linear"] == [layer.name for layer in bert.layers]
    assert len(bert.layers) == 73
    text = rendered(bert, 80, expand=True)
    assert "×" not in text
    assert text.count(" query ") == 12 and text.count(" 2,362,368 ") == 12
    md = render_markdown(bert, expand=True)
    assert sum(line.startswith("| encoder.layer.") for line in md.splitlines()) == 72


@pytest.mark.slow
@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, [("encoder", "encoder."), ("pooler", "pooler.")]),
        (2, [("encoder.layer", "encoder.layer."), ("pooler.dense", "pooler.dense")]),
    ],
)
def test_bert_depth(bert: Report, depth: int, expected: list[tuple[str, str]]) -> None:
    rows = display_rows(bert.layers, bert.diagnostics, depth=depth)
    got = [(r.kind, r.name, r.linears, r.params) for r in rows]
    want = []
    for name, prefix in expected:
        under = [layer for layer in bert.layers if layer.name.startswith(prefix)]
        kind = "linear" if name == prefix else "summary"
        want.append((kind, name, len(under), sum(layer.params for layer in under)))
    assert got == want
    assert want[0][2:] == ((72, 85_017_600) if depth else ())
    text = rendered(bert, 80, depth=depth)
    assert re.search(rf" {expected[0][0]} +72 Linears +85,017,600 +ok", text)
    md = render_markdown(bert, depth=depth)
    assert f"| {expected[0][0]} | 72 Linears |  |  | 85,017,600 |" in md


@pytest.mark.slow
def test_bert_depth_3_folds_the_summaries(bert: Report) -> None:
    text = rendered(bert, 80, depth=3)
    assert re.search(r" encoder\.layer\.0-11 ×12 +6 Linears +7,084,800 +ok", text)
    assert printed_params_add_up(text) == (85_608_192, 85_608_192)


@pytest.mark.slow
def test_bert_markdown_folds(bert: Report) -> None:
    md = render_markdown(bert)
    assert "| **encoder.layer.0-11 ×12** |" in md
    assert "| encoder.layer.0-11.attention.self.query | 768 → 768 | (768, 768) |" in md
    assert "encoder.layer.0." not in md and "encoder.layer.11." not in md
    assert "×12: identical blocks shown once, their params per block" in md
