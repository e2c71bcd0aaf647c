"""Folding repeated blocks and summarising below a depth (linearcli/render/rows.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

import pytest
import torch
from rich.console import Console
from torch import nn

from linearcli import inspect_model
from linearcli.render import display_rows, render_markdown, render_table
from linearcli.report import Report


class Block(nn.Module):
    def __init__(self, width: int = 8, in_features: int | None = None):
        super().__init__()
        self.fc = nn.Linear(in_features or width, width)
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Stack(nn.Module):
    def __init__(self, blocks: list[nn.Module]):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class Nested(nn.Module):
    """Three blocks, each a ModuleList of two identical Linears: repeats inside repeats."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.ModuleDict({"layers": nn.ModuleList(nn.Linear(4, 4) for _ in range(2))})
            for _ in range(3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            for layer in block["layers"]:  # type: ignore[union-attr]
                x = layer(x)
        return x


def report_of(model: nn.Module, width: int = 8) -> Report:
    torch.manual_seed(0)
    return inspect_model(model, torch.randn(2, width), spec="stack")


@pytest.fixture(scope="module")
def four() -> Report:
    torch.manual_seed(0)
    return report_of(Stack([Block() for _ in range(4)]))


@pytest.fixture(scope="module")
def broken_third() -> Report:
    """Four identical blocks, but block 2's first Linear expects 6 features, not 8."""
    torch.manual_seed(0)
    return report_of(Stack([Block(), Block(), Block(in_features=6), Block()]))


def labels(report: Report, **kwargs: object) -> list[tuple[str, str, int]]:
    rows = display_rows(report.layers, report.diagnostics, **kwargs)  # type: ignore[arg-type]
    return [(row.kind, row.title(row.name), row.params) for row in rows]


def text(report: Report, width: int = 80, **kwargs: object) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(render_table(report, **kwargs))  # type: ignore[arg-type]
    return out.getvalue()


def test_identical_blocks_fold_into_one_group(four: Report) -> None:
    assert labels(four) == [
        ("heading", "blocks.0-3 ×4", 144),
        ("linear", "blocks.0-3.fc", 72),
        ("linear", "blocks.0-3.out", 72),
        ("linear", "head", 18),
    ]


def test_folded_params_times_counts_add_up_to_the_total(four: Report) -> None:
    rows = display_rows(four.layers, four.diagnostics)
    assert sum(r.params * r.times for r in rows if r.kind != "heading") == 4 * 144 + 18
    assert four.totals.linear_params == 4 * 144 + 18


def test_a_folded_rows_weight_range_spans_every_block(four: Report) -> None:
    row = display_rows(four.layers, four.diagnostics)[1]
    assert [layer.name for layer in row.layers] == [f"blocks.{i}.fc" for i in range(4)]
    ranges = [layer.weight_range for layer in four.layers if layer.name.endswith(".fc")]
    low = min(r[0] for r in ranges if r is not None)
    high = max(r[1] for r in ranges if r is not None)
    assert f"{low:.4g} … {high:.4g}" in text(four, 200)
    first = ranges[0]
    assert first is not None and (low < first[0] or high > first[1])  # not block 0's alone


def test_a_block_with_an_error_is_not_folded_into_its_neighbours(broken_third: Report) -> None:
    assert [d.layer for d in broken_third.diagnostics if d.severity == "error"] == ["blocks.2.fc"]
    assert labels(broken_third) == [
        ("heading", "blocks", 560),
        ("heading", "blocks.0-1 ×2", 144),
        ("linear", "blocks.0-1.fc", 72),
        ("linear", "blocks.0-1.out", 72),
        ("heading", "blocks.2", 128),
        ("linear", "blocks.2.fc", 56),
        ("linear", "blocks.2.out", 72),
        ("heading", "blocks.3", 144),
        ("linear", "blocks.3.fc", 72),
        ("linear", "blocks.3.out", 72),
        ("linear", "head", 18),
    ]
    shown = text(broken_third)
    assert "0-1 ×2" in shown and "error" in shown and "blocks.2.fc" in shown


@pytest.mark.parametrize("status", ["warning", "not-called"])
def test_a_block_whose_status_differs_breaks_the_run(four: Report, status: str) -> None:
    layers = tuple(
        replace(layer, status=status) if layer.name == "blocks.1.out" else layer  # type: ignore[arg-type]
        for layer in four.layers
    )
    rows = display_rows(layers, four.diagnostics)
    headings = [r.title(r.name) for r in rows if r.kind == "heading"]
    assert headings == ["blocks", "blocks.0", "blocks.1", "blocks.2-3 ×2"]
    assert [r.status for r in rows if r.name == "blocks.1.out"] == [status]


def test_a_finding_on_one_block_breaks_the_run(four: Report) -> None:
    from linearcli.report import Diagnostic

    finding = Diagnostic("info", "init-scheme", "blocks.3.fc", "odd init")
    rows = display_rows(four.layers, (finding,))
    headings = [r.title(r.name) for r in rows if r.kind == "heading"]
    assert headings == ["blocks", "blocks.0-2 ×3", "blocks.3"]


def test_expand_shows_every_linear(four: Report) -> None:
    rows = display_rows(four.layers, four.diagnostics, expand=True)
    assert [r.name for r in rows if r.kind == "linear"] == [layer.name for layer in four.layers]
    assert all(r.fold == 1 for r in rows)


def test_nested_repeats_fold_too() -> None:
    torch.manual_seed(0)
    report = report_of(Nested(), width=4)
    rows = display_rows(report.layers, report.diagnostics)
    assert [(r.kind, r.title(r.label), r.level, r.times) for r in rows] == [
        ("heading", "blocks.0-2 ×3", 0, 3),
        ("linear", "layers.0-1 ×2", 1, 6),
    ]
    assert rows[1].params * rows[1].times == report.totals.linear_params == 6 * 20
    shown = text(report)
    assert " blocks.0-2 ×3 " in shown and "   layers.0-1 ×2 " in shown


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, [("summary", "blocks", 560), ("linear", "head", 18)]),
        (2, [("heading", "blocks", 560), ("summary", "blocks.0-1 ×2", 144),
             ("summary", "blocks.2", 128), ("summary", "blocks.3", 144), ("linear", "head", 18)]),
    ],
)  # fmt: skip
def test_depth_summarises_deeper_rows_with_folding(
    broken_third: Report, depth: int, expected: list[tuple[str, str, int]]
) -> None:
    assert labels(broken_third, depth=depth) == expected
    rows = display_rows(broken_third.layers, broken_third.diagnostics, depth=depth)
    assert [r.status for r in rows] == (
        ["error", "ok"] if depth == 1 else ["error", "ok", "error", "ok", "ok"]
    )


def test_depth_must_be_positive(four: Report) -> None:
    with pytest.raises(ValueError, match="depth must be at least 1"):
        display_rows(four.layers, depth=0)


def test_markdown_folds_as_the_table_does(broken_third: Report) -> None:
    md = render_markdown(broken_third)
    assert "| **blocks.0-1 ×2** |" in md
    assert "| blocks.0-1.fc | 8 → 8 | (8, 8) | (8,) | 72 |" in md
    assert "| blocks.2.fc | 6 → 8 |" in md
    assert "blocks.0.fc" not in md and "| blocks |" not in md
    assert "×2: identical blocks shown once, their params per block" in md
    expanded = render_markdown(broken_third, expand=True)
    assert "| blocks.0.fc | 8 → 8 |" in expanded and "×" not in expanded
    summary = render_markdown(broken_third, depth=1)
    assert "| blocks | 8 Linears |  |  | 560 |  |  |  |  | error |" in summary


def test_small_model_folded_and_expanded_goldens(
    broken_third: Report, golden: Callable[[str, str], None]
) -> None:
    folded, expanded = text(broken_third), text(broken_third, expand=True)
    golden("stack_table_80.txt", folded)
    golden("stack_expanded_table_80.txt", expanded)
    assert "   0-1 ×2 " in folded and "\n     fc " in folded
    assert "   0 " in expanded and "   1 " in expanded and "×" not in expanded
    assert expanded.count(" 8 → 8 ") == 7 and folded.count(" 8 → 8 ") == 5


def test_folded_rows_in_ascii(four: Report) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")  # any other byte raises
    Console(file=stream, width=80, color_system=None).print(render_table(four))
    stream.flush()
    shown = raw.getvalue().decode("ascii")
    assert "|blocks.0-3 x4 " in shown and "|  fc " in shown
    assert "x4: identical blocks shown once, their params per block" in shown
