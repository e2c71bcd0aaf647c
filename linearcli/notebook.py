"""A report in Jupyter: the layer table and the findings as HTML, Markdown, a short repr.

``Report._repr_html_`` and friends call these, so that a report that is a cell's last
expression shows its table, as torchinfo's summary does, rather than a dataclass dump.
The rows and every cell's words come from ``render.rows`` and ``render.cells``: the page
shows what the terminal shows, folded blocks included. Everything taken from a spec goes
through ``html.escape``, its control characters shown as escapes. The styles are scoped
to ``.linearcli-report`` and read on light and dark notebook themes alike: text inherits
the theme's colour, backgrounds stay transparent, rules are the text colour at low
opacity, and the severity colours have a contrast of at least 3:1 on both a white and a
#1e1e1e page (tests/test_notebook.py).
Without the styles (a renderer that strips ``<style>``) it is still a plain table.
"""

from __future__ import annotations

from html import escape

from linearcli.escape import one_line, visible
from linearcli.render.cells import (
    COLUMNS,
    LINEAR_MAPS,
    NUMERIC,
    fold_note,
    row_cells,
    subject,
    summary,
    totals_lines,
)
from linearcli.render.markdown import render_markdown
from linearcli.render.rows import Row, display_rows
from linearcli.report import Diagnostic, Report

# Each readable on #ffffff and on #1e1e1e (contrast >= 3:1 on both); tested.
COLOURS = {
    "error": "#d73a49",
    "warning": "#b08800",
    "info": "#1f78d1",
    "ok": "#22863a",
    "not-called": "#b08800",
    "train-only": "#1f78d1",
}
_WRAPPER = "linearcli-report"
_RULE = "1px solid rgba(127, 127, 127, 0.35)"  # where color-mix() is not understood
_RULE_MIXED = "1px solid color-mix(in srgb, currentColor 25%, transparent)"

_STYLE = f"""
.{_WRAPPER} {{ color: inherit; background: transparent; line-height: 1.4; overflow-x: auto; }}
.{_WRAPPER} .lc-title {{ font-weight: bold; margin: 0 0 0.3em 0; }}
.{_WRAPPER} table.lc-layers {{
  border-collapse: collapse; border: none; margin: 0;
  color: inherit; background: transparent; font-variant-numeric: tabular-nums;
}}
.{_WRAPPER} table.lc-layers th, .{_WRAPPER} table.lc-layers td {{
  color: inherit; background: transparent; padding: 0.2em 0.7em 0.2em 0;
  text-align: left; vertical-align: top; white-space: nowrap;
  border: none; border-bottom: {_RULE}; border-bottom: {_RULE_MIXED};
}}
.{_WRAPPER} table.lc-layers th {{ font-weight: bold; }}
.{_WRAPPER} table.lc-layers thead th {{ border-bottom-width: 2px; }}
.{_WRAPPER} table.lc-layers tbody tr,
.{_WRAPPER} table.lc-layers tbody tr:nth-child(odd),
.{_WRAPPER} table.lc-layers tbody tr:hover {{ background: transparent; }}
.{_WRAPPER} table.lc-layers .lc-num {{ text-align: right; }}
.{_WRAPPER} table.lc-layers tr.lc-fold td {{ font-weight: bold; }}
.{_WRAPPER} .lc-totals {{ margin: 0.5em 0 0 0; opacity: 0.85; }}
.{_WRAPPER} .lc-findings {{ margin: 0.8em 0 0 0; }}
.{_WRAPPER} .lc-findings ul {{ list-style: none; margin: 0.3em 0 0 0; padding: 0; }}
.{_WRAPPER} .lc-findings li {{
  margin: 0 0 0.6em 0; padding: 0.1em 0 0.1em 0.7em; border-left: 3px solid;
}}
.{_WRAPPER} .lc-source {{ opacity: 0.7; }}
.{_WRAPPER} .lc-error, .{_WRAPPER} table.lc-layers td.lc-error {{ font-weight: bold; }}
"""
# A status cell's colour must outrank the cells' ``color: inherit``, hence td.lc-*.
_STYLE += "".join(
    f".{_WRAPPER} .lc-{name}, .{_WRAPPER} table.lc-layers td.lc-{name} {{ color: {colour}; }}\n"
    for name, colour in COLOURS.items()
) + "".join(
    f".{_WRAPPER} li.lc-finding-{name} {{ border-left-color: {COLOURS[name]}; }}\n"
    for name in ("error", "warning", "info")
)


def report_html(report: Report, *, depth: int | None = None, expand: bool = False) -> str:
    """The layer table, the totals and the findings as one self-contained HTML fragment.

    ``depth`` and ``expand`` as in rows.py; a notebook's display shows the defaults.
    """
    rows = display_rows(report.layers, report.diagnostics, depth=depth, expand=expand)
    parts = [
        f'<div class="{_WRAPPER}">',
        f"<style>{_STYLE}</style>",
        _title(report),
        _table(rows),
        _totals(report, rows),
    ]
    if report.diagnostics:
        parts.append(_findings(report))
    parts.append("</div>")
    return "\n".join(parts)


def report_markdown(report: Report) -> str:
    """The report as GitHub Markdown: the same rows as the terminal, full names."""
    return render_markdown(report)


def report_repr(report: Report) -> str:
    """``<Report specs/mlp.yaml: 2 Linear layers, 203,530 params, ok>``, on one line."""
    spec = f" {one_line(report.spec)}" if report.spec else ""
    if subject(report) == LINEAR_MAPS:
        layers, noun = report.totals.linear_maps, "linear map"
    else:
        layers, noun = report.totals.linear_layers, "Linear layer"
    noun = noun if layers == 1 else f"{noun}s"
    counts = [(report.count(s), s) for s in ("error", "warning")]
    problems = ", ".join(f"{n:,} {s}" + ("" if n == 1 else "s") for n, s in counts if n)
    params = f"{report.totals.params:,} params"
    return f"<Report{spec}: {layers:,} {noun}, {params}, {problems or 'ok'}>"


def _title(report: Report) -> str:
    where = f" in <code>{_text(report.spec)}</code>" if report.spec else ""
    return f'<div class="lc-title">{subject(report)}{where}</div>'


def _table(rows: tuple[Row, ...]) -> str:
    head = "".join(f"<th{_align(column)}>{_text(column)}</th>" for column in COLUMNS)
    body = [_row(row) for row in rows if row.kind != "heading" or row.fold > 1]
    return (
        '<table class="lc-layers">\n'
        f"<thead><tr>{head}</tr></thead>\n"
        "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"
    )


def _row(row: Row) -> str:
    """Full names, as in Markdown: only a folded heading (``blocks.0-3 ×4``) is a row."""
    cells = row_cells(row, row.title(row.name))
    tds = []
    for column, cell in zip(COLUMNS, cells, strict=True):
        css = f' class="lc-{cell}"' if column == "status" and cell in COLOURS else _align(column)
        tds.append(f"<td{css}>{_text(cell)}</td>")
    kind = ' class="lc-fold"' if row.kind == "heading" else ""
    return f"<tr{kind}>" + "".join(tds) + "</tr>"


def _totals(report: Report, rows: tuple[Row, ...]) -> str:
    lines = [*totals_lines(report), fold_note(rows)]
    return '<div class="lc-totals">' + "<br>".join(_text(x) for x in lines if x) + "</div>"


def _findings(report: Report) -> str:
    items = "\n".join(_finding(d) for d in report.diagnostics)
    return (
        '<div class="lc-findings">'
        f'<div class="lc-title">Findings: {_text(summary(report))}</div>'
        f"<ul>\n{items}\n</ul></div>"
    )


def _finding(d: Diagnostic) -> str:
    """Severity, code and layer on the first line; the message, the fix, the source under."""
    severity = escape(d.severity)
    head = f'<span class="lc-{severity}">{severity}</span>[<code>{_text(d.code)}</code>]'
    if d.layer is not None:
        head += f" <strong>{_text(d.layer)}</strong>"
    lines = [head, f"<div>{_text(one_line(d.message))}</div>"]
    if d.fix:
        lines.append(f"<div><strong>fix:</strong> {_text(one_line(d.fix))}</div>")
    if d.source:
        lines.append(f'<div class="lc-source">at <code>{_text(d.source)}</code></div>')
    return f'<li class="lc-finding-{severity}">' + "".join(lines) + "</li>"


def _align(column: str) -> str:
    return ' class="lc-num"' if column in NUMERIC else ""


def _text(text: str) -> str:
    """Escaped, control characters shown (escape.py), a line break kept as one (a layer's
    type goes under its name)."""
    return "<br>".join(escape(visible(line)) for line in text.split("\n"))
