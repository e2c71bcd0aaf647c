"""The findings panel under the table: severity, layer, message, fix, source.

In that order of importance, errors first; every part from the spec goes into ``Text``,
never into markup, its control characters shown as escapes (escape.py); long lines
break between words, never inside a shape.
"""

from __future__ import annotations

from rich import box
from rich.console import RenderableType
from rich.panel import Panel
from rich.text import Text

from linearcli.escape import one_line, visible
from linearcli.render.cells import summary
from linearcli.render.words import Words
from linearcli.report import Report

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def findings_panel(report: Report, glyphs: dict[int, str]) -> RenderableType:
    body = Text()
    for index, d in enumerate(report.diagnostics):
        if index:
            body.append("\n\n")
        body.append(d.severity, style=_SEVERITY_STYLE[d.severity])
        body.append(f"[{d.code}]")
        if d.layer is not None:
            body.append(" ")
            body.append(visible(d.layer), style="bold")
        body.append("\n" + one_line(d.message).translate(glyphs))
        if d.fix:
            body.append("\nfix: ", style="bold")
            body.append(one_line(d.fix).translate(glyphs))
        if d.source:
            body.append(f"\nat {visible(d.source)}", style="dim")
    return Panel(
        Words(body),
        title=Text(f"Findings: {summary(report)}"),
        title_align="left",
        box=box.ROUNDED,
    )
