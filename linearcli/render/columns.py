"""Which columns the layer table has, in what order, and how a terminal table lays them out.

A column has a name (``mult_adds``, what ``columns=`` and ``--columns`` take) and a
header (``mult-adds``, what the table shows). ``layer`` is always the first column. The
default is the table as it always was; torchinfo's ``params_percent``, ``mult_adds`` and
``output_bytes`` are there when asked for (JSON always has them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

HEADERS = {
    "layer": "layer",
    "in_out": "in → out",
    "weight": "weight",
    "bias": "bias",
    "params": "params",
    "params_percent": "params %",
    "mult_adds": "mult-adds",
    "output_bytes": "output bytes",
    "init": "init ±",
    "weight_range": "weight range",
    "input": "input",
    "output": "output",
    "status": "status",
}
KNOWN_COLUMNS = tuple(HEADERS)
DEFAULT_COLUMNS = (
    "layer", "in_out", "weight", "bias", "params", "init", "weight_range", "input", "output",
    "status",
)  # fmt: skip
COLUMNS = tuple(HEADERS[name] for name in DEFAULT_COLUMNS)  # the default headers
NUMERIC_COLUMNS = ("params", "params_percent", "mult_adds", "output_bytes", "init")
NUMERIC = tuple(HEADERS[name] for name in NUMERIC_COLUMNS)  # right-aligned, by header


def resolve_columns(columns: Sequence[str] | None) -> tuple[str, ...]:
    """The table's column names in order, ``layer`` first; None: the default columns.

    Raises ValueError for a name not in ``KNOWN_COLUMNS`` (the message lists them) or a
    name given twice.
    """
    if columns is None:
        return DEFAULT_COLUMNS
    if isinstance(columns, str):
        raise TypeError(f"columns is a sequence of column names, not one string: {columns!r}")
    unknown = [name for name in columns if name not in HEADERS]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        noun = "column" if len(unknown) == 1 else "columns"
        raise ValueError(f"unknown {noun} {listed}; the columns are {', '.join(KNOWN_COLUMNS)}")
    twice = sorted({name for name in columns if columns.count(name) > 1})
    if twice:
        raise ValueError(f"column named more than once: {', '.join(twice)}")
    return ("layer", *(name for name in columns if name != "layer"))


@dataclass(frozen=True)
class Layout:
    """A terminal table's columns, each a tuple of the names stacked in it; names as a
    tree or full. ``chosen``: every column asked for, so what is left out can be said."""

    tree: bool
    columns: tuple[tuple[str, ...], ...]
    chosen: tuple[str, ...] = DEFAULT_COLUMNS

    @property
    def left_out(self) -> tuple[str, ...]:
        """The headers of the chosen columns this layout does not show."""
        shown = {name for column in self.columns for name in column}
        return tuple(HEADERS[name] for name in self.chosen if name not in shown)


# Related facts share a cell in the narrower layouts, when both are shown side by side.
_STACKS = (("weight", "bias"), ("init", "weight_range"), ("input", "output"))
# Left out in this order as the terminal narrows; the rest are always shown.
_SPARED = (
    ("weight", "bias"), ("init", "weight_range"), ("input", "output"), ("output_bytes",),
    ("params_percent",),
)  # fmt: skip


def layouts(chosen: Sequence[str] = DEFAULT_COLUMNS) -> tuple[Layout, ...]:
    """Widest first: each column on its own with full names; then a tree of names with
    related facts stacked; then leaving out, in turn, what a reader can best spare."""
    chosen = tuple(chosen)
    found = [Layout(False, tuple((name,) for name in chosen), chosen)]
    kept = list(chosen)
    for spared in ((), *_SPARED):
        if spared and not set(spared) & set(kept):
            continue
        kept = [name for name in kept if name not in spared]
        found.append(Layout(True, _stacked(kept), chosen))
    return tuple(found)


def _stacked(names: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    columns: list[tuple[str, ...]] = []
    for name in names:
        if columns and len(columns[-1]) == 1 and _stack(columns[-1][0], name):
            columns[-1] = (columns[-1][0], name)
        else:
            columns.append((name,))
    return tuple(columns)


def _stack(before: str, after: str) -> bool:
    return (before, after) in _STACKS or (after, before) in _STACKS


LAYOUTS = layouts()
WIDE = LAYOUTS[0]
