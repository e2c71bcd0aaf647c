"""What the user's code says about a call, read with ``ast`` and never run.

``size_line``: the line whose number decided a module's size: its constructor call when
the size is written there (``nn.Linear(64, 10)``), else the call further out that passed
it in (``TinyNet(num_classes=5)`` for ``nn.Linear(128, num_classes)``).
``handles_errors``: whether a running call sits in a ``try`` (or ``suppress``) that
catches a RuntimeError, so the code deals with that error itself.
No torch here: the frames come in as plain values.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_CATCHING = frozenset({"RuntimeError", "Exception", "BaseException"})
_IMPLICIT = ("self", "cls")
Span = tuple[int, int, int, int]  # (line, end line, column, end column) of the call running


@dataclass(frozen=True)
class Parameters:
    """A callable's parameters as a call binds them (``self`` left out)."""

    positional: tuple[str, ...] = ()
    keyword_only: tuple[str, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.positional + self.keyword_only)


@dataclass(frozen=True)
class Caller:
    """A user frame on the way to a module's constructor, innermost first."""

    filename: str
    location: str  # "file:line" as shown
    span: Span | None
    own: Parameters  # the parameters of the function this frame runs
    direct: bool  # its running call is the next link in (the constructor, or the frame inside)


def size_line(
    callers: Sequence[Caller], constructor: Parameters, relevant: frozenset[str] | None
) -> str | None:
    """Follow the constructor arguments that set the sizes (``relevant``: parameter names;
    None: all) outwards while they are the enclosing function's own parameters, passed
    in by its caller; the line where they stop is the one to edit."""
    trees: dict[str, ast.Module | None] = {}
    callee, wanted = constructor, relevant
    found = None  # the line known to decide the sizes so far
    for caller in callers:
        call = _call_at(caller, trees) if caller.direct else None
        arguments = _bound(call, callee, wanted) if call is not None else None
        if not arguments:  # no call to read, or it leaves them at their defaults
            return found or caller.location
        found = caller.location
        names = _names(arguments) & caller.own.names
        if not names:
            return found  # written here, not passed in
        callee, wanted = caller.own, frozenset(names)
    return found


def handles_errors(frames: Iterable[tuple[str, int]]) -> bool:
    """True when one of these (file, line) sits in a try body whose handler catches a
    RuntimeError (or Exception, or a bare except), or in ``with suppress(...)`` of one."""
    trees: dict[str, ast.Module | None] = {}
    for filename, line in frames:
        tree = _tree(filename, trees)
        if tree is not None and any(_guards(node, line) for node in ast.walk(tree)):
            return True
    return False


def _guards(node: ast.AST, line: int) -> bool:
    if isinstance(node, ast.Try | ast.TryStar):
        inside = node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0)
        return inside and any(
            handler.type is None or _catches(handler.type) for handler in node.handlers
        )
    if isinstance(node, ast.With) and node.body:
        inside = node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0)
        return inside and any(
            isinstance(item.context_expr, ast.Call)
            and _dotted_end(item.context_expr.func) == "suppress"
            and any(_catches(arg) for arg in item.context_expr.args)
            for item in node.items
        )
    return False


def _catches(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Tuple):
        return any(_catches(element) for element in expr.elts)
    return _dotted_end(expr) in _CATCHING


def _dotted_end(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    return expr.attr if isinstance(expr, ast.Attribute) else None


def _tree(filename: str, trees: dict[str, ast.Module | None]) -> ast.Module | None:
    if filename not in trees:
        try:
            trees[filename] = ast.parse(Path(filename).read_bytes(), filename)
        except (OSError, SyntaxError, ValueError):
            trees[filename] = None
    return trees[filename]


def _call_at(caller: Caller, trees: dict[str, ast.Module | None]) -> ast.Call | None:
    tree = _tree(caller.filename, trees)
    if tree is None or caller.span is None:
        return None
    line, end_line, column, end_column = caller.span
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (
            node.lineno,
            node.end_lineno,
            node.col_offset,
            node.end_col_offset,
        ) == (line, end_line, column, end_column):
            return node
    return None


def _bound(
    call: ast.Call, callee: Parameters, wanted: frozenset[str] | None
) -> list[ast.expr] | None:
    """The argument expressions the call passes for the wanted parameters; None where
    ``*args``/``**kwargs`` hide which is which."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    positional = callee.positional
    if positional and positional[0] in _IMPLICIT and not _passes_self(call):
        positional = positional[1:]
    bound: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
    bound.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
    return [value for name, value in bound.items() if wanted is None or name in wanted]


def _passes_self(call: ast.Call) -> bool:
    """``Base.__init__(self, ...)``: the first parameter is passed, not implied."""
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Name) and first.id in _IMPLICIT


def _names(arguments: Iterable[ast.expr]) -> set[str]:
    """The names the arguments read; ``self.size`` counts as ``size``, which a
    constructor usually stored from its parameter of that name. ``cfg.hidden`` counts as
    nothing: the number is in the config object, not written at any call."""
    names: set[str] = set()
    for argument in arguments:
        bases = {
            id(node.value)
            for node in ast.walk(argument)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        }
        for node in ast.walk(argument):
            if isinstance(node, ast.Name) and node.id not in _IMPLICIT and id(node) not in bases:
                names.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in _IMPLICIT
            ):
                names.add(node.attr)
    return names
