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
    NO_FALLBACKS,
    fold_note,
    row_facts,
    title,
    totals_lines,
)
from linearcli.render.columns import (
    DEFAULT_COLUMNS,
    HEADERS,
    LAYOUTS,
    NUMERIC_COLUMNS,
    WIDE,
    Layout,
    layouts,
    resolve_columns,
)
from linearcli.render.findings import findings_panel
from linearcli.render.rows import Row, display_rows
from linearcli.render.words import Words
from linearcli.report import Report

_UNBOUNDED = 1_000_000  # measure a table's natural width, not the width it is given
_STATUS_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "error": "bold red",
    "not-called": "yellow",
    "train-only": "cyan",
}


__all__ = ["LAYOUTS", "WIDE", "Layout", "ReportView", "render_table"]


def render_table(
    report: Report,
    *,
    depth: int | None = None,
    expand: bool = False,
    columns: Sequence[str] | None = None,
) -> RenderableType:
    """The table, the totals and the findings; ``depth`` and ``expand`` as in rows.py.

    ``columns``: the table's column names in order (``layer`` is always first), as in
    ``resolve_columns``; None, the default table. ValueError for an unknown name.
    """
    chosen = resolve_columns(columns)
    rows = display_rows(report.layers, report.diagnostics, depth=depth, expand=expand)
    return ReportView(report, rows, chosen)


class ReportView:
    """The table, the totals and the findings, in ASCII where the terminal has no more."""

    def __init__(self, report: Report, rows: Sequence[Row], columns: Sequence[str] | None = None):
        self.report = report
        self.rows = rows
        self.columns = resolve_columns(columns)
        self.layouts = LAYOUTS if self.columns == DEFAULT_COLUMNS else layouts(self.columns)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        glyphs = ASCII_FALLBACKS if options.ascii_only else NO_FALLBACKS
        layout = choose(console, options, self.rows, glyphs, self.layouts)
        notes = [*totals_lines(self.report, self.columns), fold_note(self.rows)]
        if layout is None:
            yield stacked(self.report, self.rows, glyphs, self.columns)
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
    console: Console,
    options: ConsoleOptions,
    rows: Sequence[Row],
    glyphs: dict[int, str],
    layouts: Sequence[Layout] = LAYOUTS,
) -> Layout | None:
    """The first layout whose every cell fits unbroken, or None: none does."""
    for layout in layouts:
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
    facts = row_facts(row, name)
    cells = []
    for column in layout.columns:
        parts = [facts[name] for name in column]
        if "weight_range" in column and len(column) > 1:  # stacked: σ on a line of its own
            at = column.index("weight_range")
            parts[at] = parts[at].replace(" σ ", "\nσ ")
        cells.append(Text("\n".join(part for part in parts if part).translate(glyphs)))
    if row.kind == "heading":
        cells[0].stylize("dim")
    cells[-1].stylize(_STATUS_STYLE[row.status])
    return cells


def widest(rows: Sequence[Sequence[Text]], layout: Layout, glyphs: dict[int, str]) -> Table:
    """The table with only the rows that hold some column's widest cell or longest word.

    It measures exactly as the whole table does (a column is as wide as its widest cell,
    and can shrink to its longest word) at a fraction of the cost: Rich measures every
    cell of what it is given.
    """
    table = empty(layout, glyphs)
    if rows:
        chosen = {
            max(range(len(rows)), key=lambda r: width(rows[r][column]))
            for column in range(len(layout.columns))
            for width in (_cell_width, _longest_word)
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
        justify: JustifyMethod = "right" if column[-1] in NUMERIC_COLUMNS else "left"
        header = "\n".join(HEADERS[name] for name in column)
        table.add_column(header.translate(glyphs), justify=justify, no_wrap=True)
    return table


# How each fact reads in a line of its own, and which facts share a line.
_PHRASES = {
    "weight": "weight {}", "bias": "bias {}", "params": "{} params",
    "params_percent": "{} of params", "mult_adds": "{} mult-adds", "output_bytes": "{} output",
    "init": "init {}", "weight_range": "weights {}", "input": "input {}", "output": "output {}",
}  # fmt: skip
_LINES = (
    (("weight", "bias", "params", "params_percent", "mult_adds", "output_bytes"), ", "),
    (("init", "weight_range"), "; "),
    (("input", "output"), ", "),
)


def stacked(
    report: Report,
    rows: Sequence[Row],
    glyphs: dict[int, str],
    columns: Sequence[str] = DEFAULT_COLUMNS,
) -> Group:
    """For terminals too narrow for any table: each row as a few short lines."""
    lines = [Text(title(report).translate(glyphs), style="bold")]
    for row in shown(rows, WIDE):
        facts = {
            column: cell.replace("\n", " ").translate(glyphs)
            for column, cell in row_facts(row, row.title(row.name)).items()
        }
        features = facts["in_out"] if "in_out" in columns else ""
        status = facts["status"] if "status" in columns else ""
        name = facts["layer"]
        head = Text(f"{name}  {features}  " if features else f"{name}  " if status else name)
        head.append(status, style=_STATUS_STYLE[row.status] if status else "")
        lines += [Text(""), head]
        if row.kind != "heading":
            lines += [Text(line.translate(glyphs)) for line in _fact_lines(row, facts, columns)]
    return Group(*(Words(line) for line in lines))


def _fact_lines(row: Row, facts: dict[str, str], columns: Sequence[str]) -> list[str]:
    """A row's facts in the columns' order, a line per kind; a summary's, where it has one."""
    found = []
    for names, joiner in _LINES:
        said = [name for name in columns if name in names]
        # A summary has no shapes; a Linear never called, no mult-adds or output.
        said = [n for n in said if facts[n] and (n in DEFAULT_COLUMNS or facts[n] != "-")]
        if said == ["input", "output"]:
            found.append(f"  {facts['input']} → {facts['output']}")
        elif said:
            found.append("  " + joiner.join(_PHRASES[n].format(facts[n]) for n in said))
    return found


def _width(console: Console, options: ConsoleOptions, table: Table) -> int:
    return Measurement.get(console, options.update_width(_UNBOUNDED), table).maximum


def _cell_width(text: Text) -> int:
    return max(cell_len(line) for line in text.plain.split("\n"))


def _longest_word(text: Text) -> int:
    return max((cell_len(word) for word in text.plain.split()), default=0)
