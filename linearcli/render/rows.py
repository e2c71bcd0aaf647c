"""Which rows the layer table shows: repeated blocks folded, rows below a depth summarised.

A 12-layer transformer has 73 Linears but six kinds; the reader needs the six once, with
how many blocks they stand for. One place decides the rows so that every Rich layout and
Markdown show the same thing; JSON never comes through here. Pure: layers in, rows out.

Folding: sibling modules named by consecutive integers (a ModuleList's or Sequential's
children) whose Linears agree on everything but their weight values fold into one group,
``0-11`` shown with ``×12``. A block that differs in anything else (a status, a finding,
a shape) ends the run and is shown on its own, so a finding is never folded away.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from linearcli.escape import visible
from linearcli.report import Diagnostic, LayerReport, Status

Kind = Literal["linear", "heading", "summary"]
_WORST_FIRST: tuple[Status, ...] = ("error", "warning", "not-called", "train-only", "ok")


@dataclass(frozen=True)
class Row:
    """One row of the layer table: a Linear, a heading over its children, or a summary."""

    kind: Kind
    name: str  # the full dotted name; a folded run's indices read "0-11"
    label: str  # the tree's label: the part of the name below the heading above it
    level: int  # the tree's indentation
    fold: int  # N when this row is itself a run of N identical blocks (shown "×N"), else 1
    times: int  # how many blocks this row stands for: its own fold times those around it
    # linear: the Linear of each block it stands for; heading, summary: every Linear under it.
    layers: tuple[LayerReport, ...]

    @property
    def layer(self) -> LayerReport:
        """The first block's Linear: all of them agree on what the table shows."""
        return self.layers[0]

    @property
    def linears(self) -> int:
        """How many Linears one block of this row has."""
        return len(self.layers) // self.times

    @property
    def params(self) -> int:
        """The parameters of one block of this row."""
        return sum(layer.params for layer in self.layers) // self.times

    @property
    def status(self) -> Status:
        statuses = {layer.status for layer in self.layers}
        return next(status for status in _WORST_FIRST if status in statuses)

    def title(self, name: str) -> str:
        """``name``, shown as it is (``visible``), with this row's fold count:
        ``encoder.layer.0-11 ×12``."""
        shown = visible(name)
        return f"{shown} ×{self.fold}" if self.fold > 1 else shown


def display_rows(
    layers: Sequence[LayerReport],
    diagnostics: Sequence[Diagnostic] = (),
    *,
    depth: int | None = None,
    expand: bool = False,
) -> tuple[Row, ...]:
    """The table's rows in order, headings included (a flat listing skips most of them).

    ``depth`` (as torchinfo's): a Linear more than ``depth`` names deep is summarised into
    its ancestor at that depth. ``expand``: no folding, a row for every Linear.
    """
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be at least 1, not {depth}")
    tree = _tree(layers)
    if depth is not None:
        tree = _limit(tree, depth, 0)
    if not expand:
        tree = _fold(tree, _finding_codes(diagnostics), 0)
    return tuple(row for child in tree.children for row in _rows(child, (), "", 0, 1))


@dataclass(frozen=True)
class _Node:
    segment: str
    own: tuple[LayerReport, ...] = ()  # the Linear named here, once per block folded into it
    children: tuple[_Node, ...] = ()
    fold: int = 1
    summary: bool = False  # depth-limited: ``own`` is every Linear under it


@dataclass
class _Draft:
    own: list[LayerReport] = field(default_factory=list)
    children: dict[str, _Draft] = field(default_factory=dict)

    def freeze(self, segment: str) -> _Node:
        children = tuple(child.freeze(name) for name, child in self.children.items())
        return _Node(segment, tuple(self.own), children)


def _tree(layers: Sequence[LayerReport]) -> _Node:
    root = _Draft()
    for layer in layers:
        node = root
        for segment in layer.name.split("."):
            node = node.children.setdefault(segment, _Draft())
        node.own.append(layer)
    return root.freeze("")


def _under(node: _Node) -> Iterator[LayerReport]:
    yield from node.own
    for child in node.children:
        yield from _under(child)


def _limit(node: _Node, depth: int, level: int) -> _Node:
    if level == depth and node.children:
        return replace(node, own=tuple(_under(node)), children=(), summary=True)
    return replace(node, children=tuple(_limit(c, depth, level + 1) for c in node.children))


def _fold(node: _Node, codes: dict[str, tuple[str, ...]], level: int) -> _Node:
    """Inner repeats first, so blocks that each hold the same folded run compare equal."""
    children = [_fold(child, codes, level + 1) for child in node.children]
    signatures = [_signature(child, codes, level + 1) for child in children]
    folded: list[_Node] = []
    start = 0
    while start < len(children):
        end = start + 1
        while end < len(children) and (
            _consecutive(children[end - 1].segment, children[end].segment)
            and signatures[end] == signatures[start]
        ):
            end += 1
        run = children[start:end]
        folded.append(
            _merge(run, f"{run[0].segment}-{run[-1].segment}") if len(run) > 1 else run[0]
        )
        start = end
    return replace(node, children=tuple(folded))


def _consecutive(before: str, after: str) -> bool:
    numbers = before.isascii() and before.isdigit() and after.isascii() and after.isdigit()
    return numbers and int(after) == int(before) + 1


def _merge(nodes: Sequence[_Node], segment: str | None = None) -> _Node:
    """Blocks of the same structure as one node whose Linears list every block's."""
    first = nodes[0]
    return replace(
        first,
        segment=first.segment if segment is None else segment,
        own=tuple(layer for node in nodes for layer in node.own),
        children=tuple(_merge(same) for same in zip(*(n.children for n in nodes), strict=True)),
        fold=first.fold if segment is None else len(nodes),
    )


_Signature = tuple[object, ...]


def _signature(node: _Node, codes: dict[str, tuple[str, ...]], level: int) -> _Signature:
    """Everything the table shows about a block, but its weight values and its own index."""
    return (
        node.fold,
        node.summary,
        tuple(_facts(layer, codes, level) for layer in node.own),
        tuple((c.segment, _signature(c, codes, level + 1)) for c in node.children),
    )


def _facts(layer: LayerReport, codes: dict[str, tuple[str, ...]], level: int) -> _Signature:
    init = layer.init
    return (
        ".".join(layer.name.split(".")[level:]),  # below a summary; "" for the Linear itself
        layer.type,
        layer.in_features,
        layer.out_features,
        layer.weight_shape,
        layer.bias_shape,
        layer.params,
        layer.init_bound,
        layer.calls,
        layer.input_shape,
        layer.output_shape,
        layer.mult_adds,  # later calls may differ from the first, which the table shows
        layer.output_bytes,
        layer.status,
        _relative_user(layer),
        None if init is None else (init.weight.scheme, init.weight.expected_bound),
        None if init is None else init.weight.expected_std,
        None if init is None or init.bias is None else init.bias.scheme,
        codes.get(layer.name, ()),
    )


def _relative_user(layer: LayerReport) -> tuple[int, tuple[str, ...]] | None:
    """``used_by`` as seen from the layer: block 3's parent is block 4's parent."""
    if layer.used_by is None:
        return None
    own, user = layer.name.split("."), layer.used_by.split(".")
    shared = 0
    while shared < min(len(own), len(user)) and own[shared] == user[shared]:
        shared += 1
    return len(own) - shared, tuple(user[shared:])


def _finding_codes(diagnostics: Sequence[Diagnostic]) -> dict[str, tuple[str, ...]]:
    codes: dict[str, list[str]] = {}
    for d in diagnostics:
        if d.layer is not None:
            codes.setdefault(d.layer, []).append(f"{d.severity}[{d.code}]")
    return {layer: tuple(sorted(found)) for layer, found in codes.items()}


def _rows(node: _Node, path: tuple[str, ...], prefix: str, level: int, times: int) -> Iterator[Row]:
    """A node's rows; a heading with one child and no fold is merged into the child's label."""
    path = (*path, node.segment)
    label, times = prefix + node.segment, times * node.fold

    def row(kind: Kind, layers: tuple[LayerReport, ...]) -> Row:
        return Row(kind, ".".join(path), label, level, node.fold, times, layers)

    if node.summary:
        yield row("summary", node.own)
        return
    if node.own:
        yield row("linear", node.own)
    elif len(node.children) == 1 and node.fold == 1:
        yield from _rows(node.children[0], path, label + ".", level, times)
        return
    else:
        yield row("heading", tuple(_under(node)))
    for child in node.children:
        yield from _rows(child, path, "", level + 1, times)
