"""The model's path from input to output as a Mermaid ``flowchart TD``. Pure: a Report in, text out.

One node per Linear, in ``Report.layers`` order (named_modules order): that is the order
they ran for a sequential model, but not for one whose ``forward()`` calls its children in
another order or in parallel branches (attention's q, k, v are drawn one after another).
Each edge carries the shape that flowed along it. Repeated identical blocks fold as in
the table (``render.rows``): one subgraph titled ``blocks.0-11 ×12`` holding one block.
Layers that never ran stand apart, dashed and unconnected. Findings colour their layer;
the edge into a failing layer is drawn thick and red, back to the layer whose output
decided the wrong size when the report names it.

Every label is quoted and escaped with Mermaid's ``#NN;`` entity codes, so a layer name
cannot break the syntax; node ids are ``n0``, ``n1``..., subgraph ids ``g0``, ``g1``....
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from linearcli.escape import visible
from linearcli.records import INPUT_NAME, ROOT_NAME
from linearcli.render.rows import Row, display_rows
from linearcli.report import LayerReport, Report, Shape, format_shape

CLASS_DEFS = (
    "classDef error fill:#ffdddd,stroke:#d73a49,color:#000",
    "classDef warning fill:#fff5d6,stroke:#bf8700,color:#000",
    "classDef notcalled fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:5 5,color:#57606a",
)
PATH_STYLE = "stroke:#d73a49,stroke-width:3px"
# Kept as they are in a label; everything else becomes an entity code. ``:`` and ``;``
# are not kept: Mermaid rewrites lines that look like ``style ...:#...;`` before parsing.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,()-+*/=")


def mermaid_flowchart(report: Report, *, expand: bool = False) -> str:
    """The flowchart's text, without a trailing newline. ``expand``: no folding."""
    chart = _Chart()
    inputs = ", ".join(format_shape(shape) for shape in report.inputs)
    start = chart.node(f"input {inputs}" if inputs else "input")
    # The chain: (node id, the Linear whose input enters it, the one whose output leaves).
    chain: list[tuple[str, LayerReport | None, LayerReport | None]] = [(start, None, None)]
    by_layer: dict[str, int] = {}  # a Linear's name -> its position in the chain
    not_called: list[str] = []
    folds: list[Row] = []  # the fold subgraphs open around the current row
    for row in display_rows(report.layers, report.diagnostics, expand=expand):
        while folds and folds[-1].level >= row.level:
            folds.pop()
            chart.lines.append("end")
        if row.kind == "heading" and row.fold > 1:
            chart.lines.append(f'subgraph g{chart.subgraphs}["{_escape(row.title(row.name))}"]')
            chart.subgraphs += 1
            folds.append(row)
        if row.kind != "linear":
            continue
        inside = folds[-1].name + "." if folds else ""
        label = f"{row.title(row.name.removeprefix(inside))} {_features(row.layer)}"
        if _never_ran(row.layer):
            if folds:  # its block's subgraph shows it is part of the block
                chart.classes.setdefault("notcalled", []).append(chart.node(label))
            else:
                not_called.append(label)
            continue
        node = chart.node(label + _note(row.layer))
        if row.status in ("error", "warning"):
            chart.classes.setdefault(row.status, []).append(node)
        by_layer.update((layer.name, len(chain)) for layer in row.layers)
        chain.append((node, row.layers[0], row.layers[-1]))
    chart.lines.extend("end" for _ in folds)
    failed = _failure(report, chart)
    shape = report.output_shape
    reached = shape is not None
    end = chart.node(f"output {format_shape(shape)}" if reached else "output not reached")
    if not_called:
        chart.lines.append(f'subgraph g{chart.subgraphs}["not called"]')
        chart.classes.setdefault("notcalled", []).extend(chart.node(n) for n in not_called)
        chart.lines.append("end")

    red: set[int] = set()  # links to draw red, numbered as Mermaid does: in text order
    for position in range(1, len(chain)):
        node, entering, _ = chain[position]
        leaving = chain[position - 1][2]
        assert entering is not None
        text = _shapes(
            leaving.output_shape if leaving else _only(report.inputs), entering.input_shape
        )
        if entering.status == "error":
            source = _producer(entering)
            if source and source not in by_layer and source != ROOT_NAME:
                text += f" from {source}"
            # Back along the chain to the producer's node, where it is one ("": the input).
            origin = 0 if source == "" else by_layer.get(source or "", position - 1)
            red.update(range(origin, position), {position - 1})
        chart.edge(chain[position - 1][0], node, text)
    leaving = chain[-1][2]
    text = _shapes(leaving.output_shape if leaving else _only(report.inputs), shape)
    if failed is not None:
        red.add(len(chart.edges))
        chart.edge(chain[-1][0], failed, text)
        chart.edge(failed, end, "", dotted=not reached)
    else:
        chart.edge(chain[-1][0], end, text, dotted=not reached)

    lines = ["flowchart TD", *chart.lines, *chart.edges]
    lines.extend(CLASS_DEFS)
    lines.extend(f"class {','.join(nodes)} {name}" for name, nodes in chart.classes.items())
    if red:
        lines.append(f"linkStyle {','.join(map(str, sorted(red)))} {PATH_STYLE}")
    return "\n".join(lines)


def mermaid_block(report: Report, *, expand: bool = False) -> str:
    """The flowchart in a fenced ```` ```mermaid ```` block, for Markdown (GitHub draws it)."""
    return f"```mermaid\n{mermaid_flowchart(report, expand=expand)}\n```\n"


def mermaid_html(report: Report, *, expand: bool = False) -> str:
    """The flowchart for an HTML page, as Mermaid's own ``<pre class="mermaid">``.

    No script tag: an export that fetches from a CDN when opened is a network request
    the user did not ask for. The comment says how to draw it.
    """
    return (
        "<!-- A Mermaid flowchart: add mermaid.js to this page to draw it, or paste the"
        " text into https://mermaid.live -->\n"
        f'<pre class="mermaid">\n{html.escape(mermaid_flowchart(report, expand=expand))}\n</pre>\n'
    )


@dataclass
class _Chart:
    lines: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)
    nodes: int = 0
    subgraphs: int = 0
    edges: list[str] = field(default_factory=list)

    def node(self, label: str) -> str:
        node = f"n{self.nodes}"
        self.nodes += 1
        self.lines.append(f'{node}["{_escape(label)}"]')
        return node

    def edge(self, start: str, end: str, label: str, *, dotted: bool = False) -> None:
        arrow = "-.->" if dotted else "-->"
        text = f'|"{_escape(label)}"|' if label else ""
        self.edges.append(f"{start} {arrow}{text} {end}")


def _failure(report: Report, chart: _Chart) -> str | None:
    """A node for an error that no Linear's node shows: the forward pass raised elsewhere."""
    linears = {layer.name for layer in report.layers}
    for d in report.diagnostics:
        if d.severity == "error" and (d.layer is None or d.layer not in linears):
            node = chart.node(f"{d.code} in {d.layer or ROOT_NAME}")
            chart.classes.setdefault("error", []).append(node)
            return node
    return None


def _never_ran(layer: LayerReport) -> bool:
    """Not called, and no parent used its weight (attention's out_proj is used, not called)."""
    return layer.status == "not-called" or (layer.calls == 0 and layer.used_by is None)


def _features(layer: LayerReport) -> str:
    lazy = layer.in_features == 0 and layer.type.startswith("Lazy")
    return f"{'?' if lazy else layer.in_features} → {layer.out_features}"


def _note(layer: LayerReport) -> str:
    if layer.calls == 0 and layer.used_by is not None:
        return f" (used by {layer.used_by})"
    return f" ({layer.calls} calls)" if layer.calls > 1 else ""


def _shapes(before: Shape | None, after: Shape | None) -> str:
    """One shape where the two agree; both, where something between them changed it."""
    if before is None or after is None or before == after:
        known = after if after is not None else before
        return format_shape(known) if known is not None else ""
    return f"{format_shape(before)} … {format_shape(after)}"


def _only(shapes: Sequence[Shape]) -> Shape | None:
    return shapes[0] if len(shapes) == 1 else None


def _producer(layer: LayerReport) -> str | None:
    """The module that decided the size of the layer's input: "" for the model's input."""
    return "" if layer.input_from == INPUT_NAME else layer.input_from


def _escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label: control characters shown (escape.py),
    then anything not plainly safe as ``#NN;``."""
    return "".join(
        char if char in _PLAIN or (ord(char) > 127 and char.isprintable()) else f"#{ord(char)};"
        for char in visible(text)
    )
