"""The report as a GitHub Markdown table: the same rows as the terminal, full names.

Meant for pull requests and issues, where a page is wide: every column, every name in
full, folded blocks under a ``×N`` row of their own as in the terminal; then the flow
as a Mermaid flowchart, which GitHub draws.
"""

from __future__ import annotations

from collections.abc import Sequence

from linearcli.escape import markdown_code, markdown_text
from linearcli.render.cells import fold_note, row_cells, subject, summary, totals_lines
from linearcli.render.columns import HEADERS, NUMERIC_COLUMNS, resolve_columns
from linearcli.render.flow import mermaid_block
from linearcli.render.rows import display_rows
from linearcli.report import Report


def render_markdown(
    report: Report,
    *,
    depth: int | None = None,
    expand: bool = False,
    columns: Sequence[str] | None = None,
) -> str:
    """``depth``, ``expand`` as in rows.py; ``columns`` as in render_table."""
    chosen = resolve_columns(columns)
    noun = subject(report)
    title = f"### {noun} in {markdown_code(report.spec)}" if report.spec else f"### {noun}"
    rows = display_rows(report.layers, report.diagnostics, depth=depth, expand=expand)
    lines = [
        "| " + " | ".join(HEADERS[c] for c in chosen) + " |",
        "|" + "|".join("---:" if c in NUMERIC_COLUMNS else "---" for c in chosen) + "|",
    ]
    for row in rows:
        if row.kind == "heading" and row.fold == 1:
            continue  # full names say where a row is; only a fold's ×N needs a row
        cells = [_md(cell) for cell in row_cells(row, row.title(row.name), chosen)]
        if row.kind == "heading":
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    footer = [*totals_lines(report, chosen), fold_note(rows)]
    parts = [title, "", *lines, "", "  \n".join(line for line in footer if line)]
    if report.diagnostics:
        parts += ["", f"#### Findings: {summary(report)}", ""]
        for d in report.diagnostics:
            layer = f" {markdown_code(d.layer)}:" if d.layer is not None else ""
            fix = f" Fix: {markdown_text(d.fix)}." if d.fix else ""
            source = f" ({markdown_code(d.source)})" if d.source else ""
            parts.append(
                f"- **{d.severity}** `{d.code}`{layer} {markdown_text(d.message)}.{fix}{source}"
            )
    parts += ["", "#### Flow", "", mermaid_block(report, expand=expand).rstrip("\n")]
    return "\n".join(parts) + "\n"


def _md(cell: str) -> str:
    """A table cell: each of its lines escaped, the lines joined by <br>."""
    return "<br>".join(markdown_text(line) for line in cell.split("\n"))
