"""Report -> Rich renderables, Markdown and JSON text. Never prints, never exits.

``rows`` decides which rows a table shows (repeated blocks folded, ``depth``),
``columns`` which columns and in what order, ``cells`` what each cell says; ``table``
lays them out for a terminal of any width, ``markdown`` for a page. JSON is the report
itself, never folded, every field always there. Everything taken from a spec (layer
names, messages) goes into ``Text`` objects, never into markup strings, so a layer named
``[bold]`` is shown as written.
"""

from __future__ import annotations

import json

from linearcli.render.cells import (
    ASCII_FALLBACKS,
    COLUMNS,
    NOT_MATERIALISED,
    layer_cells,
    row_cells,
    summary,
    totals_lines,
)
from linearcli.render.columns import DEFAULT_COLUMNS, KNOWN_COLUMNS, resolve_columns
from linearcli.render.markdown import render_markdown
from linearcli.render.rows import Row, display_rows
from linearcli.render.table import render_table
from linearcli.report import Report, format_bytes, format_shape


def render_json(report: Report) -> str:
    """The report's dict, every Linear on its own: JSON is never folded."""
    return json.dumps(report.to_dict(), indent=2, allow_nan=False)


__all__ = [
    "ASCII_FALLBACKS",
    "COLUMNS",
    "DEFAULT_COLUMNS",
    "KNOWN_COLUMNS",
    "NOT_MATERIALISED",
    "Row",
    "display_rows",
    "format_bytes",
    "format_shape",
    "layer_cells",
    "render_json",
    "render_markdown",
    "render_table",
    "resolve_columns",
    "row_cells",
    "summary",
    "totals_lines",
]
