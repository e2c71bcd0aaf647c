from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

import pytest
import torch
from rich.console import Console
from rich.measure import Measurement
from torch import nn

from linearcli import RunOptions, inspect_model, inspect_spec
from linearcli.render import (
    display_rows,
    format_bytes,
    render_json,
    render_markdown,
    render_table,
)
from linearcli.render.cells import NO_FALLBACKS
from linearcli.render.table import LAYOUTS, WIDE, empty, styled, widest
from linearcli.report import Report, format_shape

Golden = Callable[[str, str], None]


def rendered(report: Report, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(render_table(report))
    return out.getvalue()


@pytest.fixture(scope="module")
def mlp() -> Report:
    return inspect_spec("specs/mlp.yaml")


@pytest.fixture(autouse=True)
def _from_repo(in_repo: object) -> None:
    """Paths in the golden files read as typed from the repository root."""


@pytest.mark.parametrize("width", [80, 120])
def test_mlp_table(mlp: Report, golden: Golden, width: int) -> None:
    text = rendered(mlp, width)
    golden(f"mlp_table_{width}.txt", text)
    assert max(len(line) for line in text.splitlines()) <= width
    for fact in ("784 → 256", "(256, 784)", "200,960", "0.03571", "2,570", "203,530"):
        assert fact in text


def test_wide_layout_keeps_full_names_and_narrow_layout_nests_them(golden: Golden) -> None:
    report = inspect_spec("specs/transformer.yaml")
    narrow, wide = rendered(report, 80), rendered(report, 160)
    golden("transformer_table_80.txt", narrow)
    golden("transformer_table_160.txt", wide)
    assert "encoder.linear1" in wide and "encoder.linear1" not in narrow
    assert "\n encoder " in narrow and "\n   linear1 " in narrow
    assert "used by parent" in wide
    # MultiheadAttention's q, k and v, packed in one matrix, and its out_proj.
    assert "\n     in_proj     64 → 192   12,480  xavier_uniform_ " in narrow
    assert "\n     packed qkv " in narrow
    assert "\n     out_proj    64 → 64     4,160  0.125 " in narrow
    assert "not shown at this width: weight, bias\n" in narrow
    assert "not shown" not in wide


def test_a_heading_with_one_child_shares_its_line() -> None:
    attention = nn.Sequential(OrderedDict(projection=nn.Linear(4, 2)))
    encoder = nn.Sequential(OrderedDict(attention=attention, ffn=nn.Linear(2, 2)))
    text = rendered(
        inspect_model(nn.Sequential(OrderedDict(encoder=encoder)), torch.zeros(3, 4)), 60
    )
    assert text.splitlines()[5:7] == [
        " encoder                                                  ",
        "   attention.projection  4 → 2         10  (3, 4)  ok     ",
    ]


def test_findings_panel_under_the_table(golden: Golden) -> None:
    text = rendered(inspect_spec("specs/broken/wrong_hidden_size.yaml"), 80)
    golden("wrong_hidden_size_table_80.txt", text)
    assert "Findings: 1 error" in text
    assert "error[in-features-mismatch] fc2" in text
    assert "fix: set in_features to 256: nn.Linear(256, 10)" in text
    assert "at specs/broken/wrong_hidden_size.yaml:7" in text


def test_meta_device_says_not_materialised() -> None:
    text = rendered(inspect_spec("specs/mlp.yaml", RunOptions(device="meta")), 120)
    assert text.count("not materialised") == 2
    assert "on meta" in text


def test_markdown(mlp: Report, golden: Golden) -> None:
    text = render_markdown(mlp)
    golden("mlp.md", text)
    assert "| hidden | 784 → 256 | (256, 784) | (256,) | 200,960 | 0.03571 |" in text


def test_markdown_lists_findings() -> None:
    text = render_markdown(inspect_spec("specs/broken/unused_linear.py"))
    assert "| spare | 4 → 4 |" in text and "| not-called |" in text
    assert "#### Findings: 1 warning" in text
    assert (
        "- **warning** `not-called` `spare`: spare (Linear 4->4) is never called by the "
        "forward pass. Fix: call self.spare in forward(), or delete it (20 parameters)."
    ) in text
    assert "(`specs/broken/unused_linear.py:14`)" in text


def test_json_is_the_report_dict(mlp: Report) -> None:
    import json

    assert json.loads(render_json(mlp)) == mlp.to_dict()


def test_names_and_messages_are_never_markup(mlp: Report) -> None:
    hostile = replace(mlp.layers[0], name="[bold red]x[/bold red]", type="[link=http://e.invalid]T")
    report = replace(mlp, spec="[blink]spec.yaml", layers=(hostile,))
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="standard").print(
        render_table(report)
    )
    text = out.getvalue()
    assert "[bold red]x[/bold red]" in text
    assert "[link=http://e.invalid]T" in text
    assert "[blink]spec.yaml" in text


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        ((3, 784), "(3, 784)"),
        ((256,), "(256,)"),
        ((), "()"),
        (None, "-"),
        ((2, 16, 64), "(2, 16, 64)"),
    ],
)
def test_format_shape(shape: tuple[int, ...] | None, text: str) -> None:
    assert format_shape(shape) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1,023 B"),
        (814_120, "795.0 KiB"),
        (2**20, "1.0 MiB"),
        (3 * 2**40, "3.0 TiB"),
    ],
)
def test_format_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text


def test_60_columns_keep_names_shapes_params_and_status(golden: Golden) -> None:
    text = rendered(inspect_spec("specs/transformer.yaml"), 60)
    golden("transformer_table_60.txt", text)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "   linear1       64 → 128    8,320  (2, 16, 64)     ok" in text
    assert "init ±, weight range" in text  # what the table left out, said under it


def test_narrower_terminals_get_each_layer_as_short_lines(golden: Golden) -> None:
    text = rendered(inspect_spec("specs/transformer.yaml"), 34)
    golden("transformer_table_34.txt", text)
    assert max(len(line) for line in text.splitlines()) <= 34
    assert "encoder.linear1  64 → 128  ok" in text
    assert "  (2, 16, 64) → (2, 16, 128)" in text
    # Lines break between words, never inside a shape or a size.
    assert "\n  weight (1000, 64), bias (1000,),\n65,000 params\n" in text
    assert "\ntrainable), 764.4 KiB as float32\n" in text


def test_ascii_terminals_get_ascii_that_lines_up() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")  # any other byte raises
    Console(file=stream, width=160, color_system=None).print(
        render_table(inspect_spec("specs/mlp.yaml"))
    )
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert "784 -> 256" in text and "+/-" in text and "-0.03571 ... 0.03571 std 0.02062" in text
    widths = {len(line) for line in text.splitlines()[1:6]}
    assert len(widths) == 1  # the table's lines line up


@pytest.mark.parametrize("spec", ["specs/transformer.yaml", "specs/broken/three_mismatches.yaml"])
def test_the_widest_rows_measure_as_wide_as_the_whole_table(spec: str) -> None:
    # The layout is chosen by measuring only the rows that hold some column's widest
    # cell; that must give the width of the table with every row.
    report = inspect_spec(spec)
    console = Console(width=1000)
    for layout in (WIDE, LAYOUTS[-2]):
        rows = [
            styled(row, layout, NO_FALLBACKS)
            for row in display_rows(report.layers, report.diagnostics)
            if row.kind != "heading"
        ]
        whole = empty(layout, NO_FALLBACKS)
        for row in rows:
            whole.add_row(*row)
        some = widest(rows, layout, NO_FALLBACKS)
        assert 1 < some.row_count < len(rows)  # the widest cells are spread over rows
        assert Measurement.get(console, console.options, some) == Measurement.get(
            console, console.options, whole
        )


def test_a_title_wider_than_the_table_goes_above_it_whole(mlp: Report) -> None:
    spec = "specs/" + "a_rather_long_directory_name/" * 2 + "mlp.yaml"
    text = rendered(replace(mlp, spec=spec), 80)
    lines = text.splitlines()
    assert lines[:2] == ["nn.Linear layers in", spec]
    assert max(len(line) for line in lines) <= 80
