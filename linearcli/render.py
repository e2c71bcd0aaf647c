"""Report -> Rich renderables, Markdown and JSON text. Never prints, never exits.

Everything taken from a spec (layer names, messages) goes into ``Text`` objects, never
into markup strings, so a layer named ``[bold]`` is shown as written.
"""

from __future__ import annotations

import json
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
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from linearcli.report import LayerReport, Report, format_bytes, format_shape

COLUMNS = (
    "layer",
    "in → out",
    "weight",
    "bias",
    "params",
    "init ±",
    "weight range",
    "input",
    "output",
    "status",
)
_COMPACT_COLUMNS = (
    "layer",
    "in → out",
    "weight\nbias",
    "params",
    "init ±\nweight range",
    "input\noutput",
    "status",
)
_NUMERIC = ("params", "init ±")
# torch's own name for the Linear inside MultiheadAttention: a plain Linear to the reader.
_PLAIN_LINEAR_TYPES = ("Linear", "NonDynamicallyQuantizableLinear")
_UNBOUNDED = 1_000_000  # measure a table's natural width, not the width it is given
# Our own symbols, for terminals whose encoding has none of them.
ASCII_FALLBACKS = str.maketrans(
    {
        "→": "->",
        "…": "...",
        "±": "+/-",
        "σ": "std",
        "ᵀ": "^T",
        "√": "sqrt",
        "×": "x",
        "✓": "ok",
        "✗": "MISMATCH",
        "·": "*",
        "—": "-",
    }  # fmt: skip
)
_NO_FALLBACKS: dict[int, str] = {}
COMPACT_MIN_WIDTH = 72  # the compact table wraps inside cells; narrower, it would shred them
_STATUS_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red", "not-called": "yellow"}
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
NOT_MATERIALISED = "not materialised"


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)


def render_table(report: Report) -> RenderableType:
    return _ReportView(report)


class _ReportView:
    """The table, the totals and the findings, in ASCII where the terminal has no more."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        glyphs = ASCII_FALLBACKS if options.ascii_only else _NO_FALLBACKS
        yield _LayerTable(self.report)
        yield Text("\n".join(totals_lines(self.report)).translate(glyphs))
        if self.report.diagnostics:
            yield Text("")
            yield _findings(self.report, glyphs)


class _LayerTable:
    """One row per Linear; stacks related facts in a cell when the wide table won't fit."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Measured after any ASCII fallback, so columns line up on any terminal.
        glyphs = ASCII_FALLBACKS if options.ascii_only else _NO_FALLBACKS
        rows = [_styled(layer_cells(layer), layer, glyphs) for layer in self.report.layers]
        if _fits(console, options, self.widest(rows, glyphs)):
            wide = self.table(COLUMNS, glyphs)
            for row in rows:
                wide.add_row(*row)
            yield wide
            return
        if options.max_width < COMPACT_MIN_WIDTH:
            yield self.stacked(glyphs)
            return
        compact = self.table(_COMPACT_COLUMNS, glyphs)
        shown: set[str] = set()
        for layer in self.report.layers:
            *parents, leaf = layer.name.split(".")
            for depth in range(len(parents)):
                prefix = ".".join(parents[: depth + 1])
                if prefix not in shown:
                    shown.add(prefix)
                    label = Text("  " * depth + parents[depth], style="dim")
                    compact.add_row(label, *[""] * (len(_COMPACT_COLUMNS) - 1))
            name, features, weight, bias, params, bound, spread, seen_in, seen_out, status = (
                layer_cells(layer, name="  " * len(parents) + leaf)
            )
            cells = (
                name,
                features,
                f"{weight}\n{bias}",
                params,
                f"{bound}\n" + spread.replace(" σ ", "\nσ "),
                f"{seen_in}\n{seen_out}",
                status,
            )
            compact.add_row(*_styled(cells, layer, glyphs))
        yield compact

    def widest(self, rows: Sequence[Sequence[Text]], glyphs: dict[int, str]) -> Table:
        """The wide table with only the rows that hold some column's widest cell.

        It measures exactly as wide as the whole table (a column is as wide as its widest
        cell) at a fraction of the cost: Rich measures every cell of what it is given.
        """
        table = self.table(COLUMNS, glyphs)
        if rows:
            chosen = {
                max(range(len(rows)), key=lambda r: _width(rows[r][column]))
                for column in range(len(COLUMNS))
            }
            for index in sorted(chosen):
                table.add_row(*rows[index])
        return table

    def stacked(self, glyphs: dict[int, str]) -> Group:
        """For the narrowest terminals: each layer as a few short lines."""
        spec = self.report.spec
        lines = [Text(f"nn.Linear layers in {spec}" if spec else "nn.Linear layers", style="bold")]
        for layer in self.report.layers:
            name, features, weight, bias, params, bound, spread, seen_in, seen_out, status = (
                cell.replace("\n", " ").translate(glyphs) for cell in layer_cells(layer)
            )
            head = Text(f"{name}  {features}  ")
            head.append(status, style=_STATUS_STYLE[layer.status])
            lines += [
                Text(""),
                head,
                Text(f"  weight {weight}, bias {bias}, {params} params"),
                Text(f"  init {bound}; weights {spread}".translate(glyphs)),
                Text(f"  {seen_in} → {seen_out}".translate(glyphs)),
            ]
        return Group(*lines)

    def table(self, columns: Sequence[str], glyphs: dict[int, str]) -> Table:
        spec = self.report.spec
        table = Table(
            title=Text(f"nn.Linear layers in {spec}" if spec else "nn.Linear layers"),
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
            header_style="bold",
        )
        for column in columns:
            justify: JustifyMethod = "right" if column in _NUMERIC else "left"
            table.add_column(column.translate(glyphs), justify=justify, overflow="fold")
        return table


def _fits(console: Console, options: ConsoleOptions, table: Table) -> bool:
    return (
        Measurement.get(console, options.update_width(_UNBOUNDED), table).maximum
        <= options.max_width
    )


def _width(text: Text) -> int:
    return max(cell_len(line) for line in text.plain.split("\n"))


def _styled(cells: Sequence[str], layer: LayerReport, glyphs: dict[int, str]) -> list[Text]:
    """Cells as Text (never markup), the status coloured by what it says."""
    texts = [Text(cell.translate(glyphs)) for cell in cells[:-1]]
    return [*texts, Text(cells[-1], style=_STATUS_STYLE[layer.status])]


def layer_cells(layer: LayerReport, name: str | None = None) -> tuple[str, ...]:
    """One row of the table as plain text, shared by the Rich and Markdown tables."""
    name = layer.name if name is None else name
    if layer.type not in _PLAIN_LINEAR_TYPES:
        name = f"{name}\n{' ' * (len(name) - len(name.lstrip()))}{layer.type}"
    seen_in = format_shape(layer.input_shape) if layer.input_shape is not None else "-"
    if layer.used_by is not None:
        seen_in = "used by parent"
    return (
        name,
        f"{layer.in_features} → {layer.out_features}",
        format_shape(layer.weight_shape),
        format_shape(layer.bias_shape) if layer.bias_shape is not None else "-",
        f"{layer.params:,}",
        _init(layer),
        _observed(layer),
        seen_in,
        format_shape(layer.output_shape) if layer.output_shape is not None else "-",
        layer.status,
    )


def totals_lines(report: Report) -> tuple[str, ...]:
    t = report.totals
    inputs = ", ".join(format_shape(s) for s in report.inputs) or "-"
    output = format_shape(report.output_shape) if report.output_shape is not None else "-"
    return (
        f"{_plural(t.linear_layers, 'Linear layer')}, {t.linear_params:,} Linear parameters",
        f"{t.params:,} parameters in all ({t.trainable_params:,} trainable), "
        f"{format_bytes(t.param_bytes)} as {report.dtype}",
        f"input {inputs} → output {output} on {report.device}",
    )


def _findings(report: Report, glyphs: dict[int, str]) -> RenderableType:
    """Severity, layer, message, fix, source: in that order of importance, errors first."""
    body = Text()
    for index, d in enumerate(report.diagnostics):
        if index:
            body.append("\n\n")
        body.append(d.severity, style=_SEVERITY_STYLE[d.severity])
        body.append(f"[{d.code}]")
        if d.layer is not None:
            body.append(" ")
            body.append(d.layer, style="bold")
        body.append(f"\n{d.message}".translate(glyphs))
        if d.fix:
            body.append("\nfix: ", style="bold")
            body.append(d.fix.translate(glyphs))
        if d.source:
            body.append(f"\nat {d.source}", style="dim")
    return Panel(
        body, title=Text(f"Findings: {summary(report)}"), title_align="left", box=box.ROUNDED
    )


def summary(report: Report) -> str:
    """1 error, 2 warnings, 1 info."""
    counts = ((report.count(s), s) for s in ("error", "warning", "info"))
    parts = [_plural(n, s) if s != "info" else f"{n} info" for n, s in counts if n]
    return ", ".join(parts) or "none"


def render_markdown(report: Report) -> str:
    title = f"### nn.Linear layers in `{report.spec}`" if report.spec else "### nn.Linear layers"
    rows = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---:" if c in _NUMERIC else "---" for c in COLUMNS) + "|",
    ]
    rows += [
        "| " + " | ".join(_md(cell) for cell in layer_cells(layer)) + " |"
        for layer in report.layers
    ]
    parts = [title, "", *rows, "", "  \n".join(totals_lines(report))]
    if report.diagnostics:
        parts += ["", f"#### Findings: {summary(report)}", ""]
        for d in report.diagnostics:
            layer = f" `{_md(d.layer)}`:" if d.layer is not None else ""
            fix = f" Fix: {_md(d.fix)}." if d.fix else ""
            source = f" (`{d.source}`)" if d.source else ""
            parts.append(f"- **{d.severity}** `{d.code}`{layer} {_md(d.message)}.{fix}{source}")
    return "\n".join(parts) + "\n"


def _init(layer: LayerReport) -> str:
    """PyTorch's default bound, or the scheme the weight has and what it implies."""
    weight = layer.init.weight if layer.init else None
    if weight is None or weight.scheme == "default":
        return _sig(layer.init_bound) if layer.init_bound is not None else "-"
    if weight.expected_std == 0 or (weight.expected_bound is None and weight.expected_std is None):
        return weight.scheme
    if weight.expected_bound is not None:
        return f"{weight.scheme} ±{_sig(weight.expected_bound)}"
    return f"{weight.scheme} σ {_sig(weight.expected_std or 0)}"


def _observed(layer: LayerReport) -> str:
    """The weight's observed range and spread."""
    observed = layer.init.weight.observed if layer.init else None
    if layer.weight_range is None:
        return NOT_MATERIALISED
    low, high = layer.weight_range
    spread = f" σ {_sig(observed.std)}" if observed is not None else ""
    return f"{_sig(low)} … {_sig(high)}{spread}"


def _sig(value: float) -> str:
    """Four significant digits, the way the init bound 1/sqrt(784) = 0.03571 is read."""
    return f"{value:.4g}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")
