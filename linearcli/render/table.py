"""The layer table for a terminal: the richest layout that fits, no name or number cut.

Every column is ``no_wrap``, so a layout either fits the terminal whole or is not used.
From widest to narrowest: every fact in its own column with full names; related facts
stacked in one cell under a tree of names; then, leaving out what a reader can do without
at a glance (weight and bias shapes, which ``in → out`` already gives; the init and
observed weight range; the input and output shapes), saying so under the table. Narrower
still, each row becomes a few lines that break only between words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    JustifyMethod,
    RenderableType,
    RenderResult,
)
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from linearcli.render.cells import (
    ASCII_FALLBACKS,
    COLUMNS,
    NO_FALLBACKS,
    NUMERIC,
    fold_note,
    row_cells,
    title,
    totals_lines,
)
from linearcli.render.findings import findings_panel
from linearcli.render.rows import Row, display_rows
from linearcli.render.words import Words
from linearcli.report import Report

_UNBOUNDED = 1_000_000  # measure a table's natural width, not the width it is given
_STATUS_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red", "not-called": "yellow"}


@dataclass(frozen=True)
class Layout:
    """The table's columns, each naming the ``COLUMNS`` it stacks; names as a tree or full."""

    tree: bool
    columns: tuple[tuple[str, ...], ...]

    @property
    def left_out(self) -> tuple[str, ...]:
        shown = {name for column in self.columns for name in column}
        return tuple(name for name in COLUMNS if name not in shown)


WIDE = Layout(tree=False, columns=tuple((name,) for name in COLUMNS))
_STACKED = (("weight", "bias"), ("init ±", "weight range"), ("input", "output"))
# Widest first; each narrower one leaves out what a reader at a glance can best spare.
LAYOUTS = (
    WIDE,
    Layout(True, (("layer",), ("in → out",), _STACKED[0], ("params",), *_STACKED[1:], ("status",))),
    Layout(True, (("layer",), ("in → out",), ("params",), *_STACKED[1:], ("status",))),
    Layout(True, (("layer",), ("in → out",), ("params",), _STACKED[2], ("status",))),
    Layout(True, (("layer",), ("in → out",), ("params",), ("status",))),
)


def render_table(
    report: Report, *, depth: int | None = None, expand: bool = False
) -> RenderableType:
    """The table, the totals and the findings; ``depth`` and ``expand`` as in rows.py."""
    return ReportView(
        report, display_rows(report.layers, report.diagnostics, depth=depth, expand=expand)
    )


class ReportView:
    """The table, the totals and the findings, in ASCII where the terminal has no more."""

    def __init__(self, report: Report, rows: Sequence[Row]):
        self.report = report
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        glyphs = ASCII_FALLBACKS if options.ascii_only else NO_FALLBACKS
        layout = choose(console, options, self.rows, glyphs)
        notes = [*totals_lines(self.report), fold_note(self.rows)]
        if layout is None:
            yield stacked(self.report, self.rows, glyphs)
            yield Text("")
        else:
            yield from table(console, options, self.report, self.rows, layout, glyphs)
            if layout.left_out:
                notes.append(f"not shown at this width: {', '.join(layout.left_out)}")
        yield Words(Text("\n".join(note for note in notes if note).translate(glyphs)))
        if self.report.diagnostics:
            yield Text("")
            yield findings_panel(self.report, glyphs)


def choose(
    console: Console, options: ConsoleOptions, rows: Sequence[Row], glyphs: dict[int, str]
) -> Layout | None:
    """The first layout whose every cell fits unbroken, or None: none does."""
    for layout in LAYOUTS:
        cells = [styled(row, layout, glyphs) for row in shown(rows, layout)]
        if _width(console, options, widest(cells, layout, glyphs)) <= options.max_width:
            return layout
    return None


def shown(rows: Sequence[Row], layout: Layout) -> list[Row]:
    """A tree shows every heading; full names need only the folded ones (``×12``)."""
    return [row for row in rows if layout.tree or row.kind != "heading" or row.fold > 1]


def styled(row: Row, layout: Layout, glyphs: dict[int, str]) -> list[Text]:
    """A row's cells as Text (never markup): headings dim, the status coloured."""
    name = "  " * row.level + row.title(row.label) if layout.tree else row.title(row.name)
    facts = dict(zip(COLUMNS, row_cells(row, name), strict=True))
    cells = []
    for column in layout.columns:
        parts = [facts[name] for name in column]
        if column == _STACKED[1]:  # the weight range's σ on a line of its own
            parts[-1] = parts[-1].replace(" σ ", "\nσ ")
        cells.append(Text("\n".join(part for part in parts if part).translate(glyphs)))
    if row.kind == "heading":
        cells[0].stylize("dim")
    cells[-1].stylize(_STATUS_STYLE[row.status])
    return cells


def widest(rows: Sequence[Sequence[Text]], layout: Layout, glyphs: dict[int, str]) -> Table:
    """The table with only the rows that hold some column's widest cell.

    It measures exactly as wide as the whole table (a column is as wide as its widest
    cell) at a fraction of the cost: Rich measures every cell of what it is given.
    """
    table = empty(layout, glyphs)
    if rows:
        chosen = {
            max(range(len(rows)), key=lambda r: _cell_width(rows[r][column]))
            for column in range(len(layout.columns))
        }
        for index in sorted(chosen):
            table.add_row(*rows[index])
    return table


def table(
    console: Console,
    options: ConsoleOptions,
    report: Report,
    rows: Sequence[Row],
    layout: Layout,
    glyphs: dict[int, str],
) -> RenderResult:
    """The table under its title; a title wider than the table goes above it, unbroken."""
    heading = Text(title(report).translate(glyphs))
    cells = [styled(row, layout, glyphs) for row in shown(rows, layout)]
    whole = empty(layout, glyphs)
    for row in cells:
        whole.add_row(*row)
    if heading.cell_len > _width(console, options, widest(cells, layout, glyphs)):
        yield Words(heading)
    else:
        whole.title = heading
    yield whole


def empty(layout: Layout, glyphs: dict[int, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, header_style="bold")
    for column in layout.columns:
        justify: JustifyMethod = "right" if column[-1] in NUMERIC else "left"
        table.add_column("\n".join(column).translate(glyphs), justify=justify, no_wrap=True)
    return table


def stacked(report: Report, rows: Sequence[Row], glyphs: dict[int, str]) -> Group:
    """For terminals too narrow for any table: each row as a few short lines."""
    lines = [Text(title(report).translate(glyphs), style="bold")]
    for row in shown(rows, WIDE):
        name, features, weight, bias, params, bound, spread, seen_in, seen_out, status = (
            cell.replace("\n", " ").translate(glyphs)
            for cell in row_cells(row, row.title(row.name))
        )
        head = Text(f"{name}  {features}  " if features else name)
        head.append(status, style=_STATUS_STYLE[row.status] if status else "")
        lines += [Text(""), head]
        if row.kind == "summary":
            lines.append(Text(f"  {params} params"))
        elif row.kind == "linear":
            more = (
                f"  weight {weight}, bias {bias}, {params} params",
                f"  init {bound}; weights {spread}",
                f"  {seen_in} → {seen_out}",
            )
            lines += [Text(line.translate(glyphs)) for line in more]
    return Group(*(Words(line) for line in lines))


def _width(console: Console, options: ConsoleOptions, table: Table) -> int:
    return Measurement.get(console, options.update_width(_UNBOUNDED), table).maximum


def _cell_width(text: Text) -> int:
    return max(cell_len(line) for line in text.plain.split("\n"))
