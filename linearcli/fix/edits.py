"""Where a fix goes in a spec's text: edits computed from source positions, never found by
searching the text.

A finding that carries a ``Change`` (set this argument of the layer built on this line
from ``old`` to ``new``) becomes edits here: in a YAML spec, the scalar node that holds the
argument (PyYAML's node marks); in a Python spec, the literal argument of the ``Linear(...)``
call on that line (``ast`` positions). Only a plain integer literal equal to ``old`` is
edited: a size computed in code (``16 * 5 * 5``, a variable, a helper's parameter) has no
safe edit, and the finding keeps its fix in words. Every byte outside the edited spans
stays as it was: comments, quoting, key order, layout.

Positions are 1-based lines and 1-based columns counted in characters, as ruff's and
SARIF's are.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linearcli.changes import Change, Edit
from linearcli.report import Diagnostic, Report
from linearcli.spec.yaml_text import compose

# The position of each argument a Change can set, in the layer's positional arguments.
_POSITIONS = {"in_features": 0}


def with_edits(report: Report, path: str | None) -> Report:
    """The report with the edits of every finding that carries a change in the spec's
    file (read once); as it is where none does."""
    if path is None or not any(d.change is not None for d in report.diagnostics):
        return report
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return report
    diagnostics = tuple(
        replace(d, edits=edits_for(d, path, text)) if d.change is not None else d
        for d in report.diagnostics
    )
    return replace(report, diagnostics=diagnostics)


def edits_for(finding: Diagnostic, path: str, text: str) -> tuple[Edit, ...]:
    """The edits that make ``finding``'s change in ``text`` (the file at ``path``); none
    where the change is not a literal on the finding's line of this file."""
    change, line = finding.change, _line_in(finding.source, path)
    if change is None or line is None or change.argument not in _POSITIONS:
        return ()
    if path.lower().endswith((".yaml", ".yml")):
        edit = _yaml_edit(change, line, text, path)
    else:
        edit = _python_edit(change, line, text)
    if edit is None or _spanned(text, edit) != str(change.old):
        return ()  # a position read wrong (an unusual line break) edits nothing
    return (edit,)


def apply_edits(text: str, edits: tuple[Edit, ...]) -> str:
    """``text`` with the edits made; they must not overlap."""
    starts = _line_starts(text)
    spans = sorted(
        ((_offset(starts, e.start), _offset(starts, e.end), e.content) for e in edits),
        reverse=True,
    )
    for (start, _, _), (_, end, _) in zip(spans, spans[1:], strict=False):
        if end > start:
            raise ValueError("overlapping edits")
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _line_in(source: str | None, path: str) -> int | None:
    """The line of ``source`` (``file:line``) where ``file`` is ``path``."""
    if source is None or ":" not in source:
        return None
    file, _, number = source.rpartition(":")
    return int(number) if file == path and number.isdigit() else None


def _yaml_edit(change: Change, line: int, text: str, path: str) -> Edit | None:
    root = compose(text, path)
    layer = _yaml_layer(root, line) if root is not None else None
    if layer is None:
        return None
    arguments = layer.value[0][1] if len(layer.value) == 1 else None
    node: Node | None = None
    if isinstance(arguments, SequenceNode):
        position = _POSITIONS[change.argument]
        node = arguments.value[position] if len(arguments.value) > position else None
    elif isinstance(arguments, MappingNode):
        node = next((v for k, v in arguments.value if k.value == change.argument), None)
    if not isinstance(node, ScalarNode) or node.value != str(change.old):
        return None
    start, end = node.start_mark, node.end_mark
    inset = 1 if node.style in ("'", '"') else 0  # keep the quotes as written
    return Edit(
        (start.line + 1, start.column + 1 + inset),
        (end.line + 1, end.column + 1 - inset),
        str(change.new),
    )


def _yaml_layer(node: Node, line: int) -> MappingNode | None:
    """The ``{Linear: ...}`` mapping of the layer whose name is on ``line``."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.start_mark.line + 1 == line and isinstance(value, MappingNode):
                if len(value.value) == 1 and value.value[0][0].value == "Linear":
                    return value
            found = _yaml_layer(value, line)
            if found is not None:
                return found
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found = _yaml_layer(item, line)
            if found is not None:
                return found
    return None


def _python_edit(change: Change, line: int, text: str) -> Edit | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.split("\n")
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno == line and _is_linear(call.func)):
            continue
        position = _POSITIONS[change.argument]
        node: ast.expr | None = call.args[position] if len(call.args) > position else None
        if node is None:
            node = next((k.value for k in call.keywords if k.arg == change.argument), None)
        if not (isinstance(node, ast.Constant) and type(node.value) is int):
            return None
        if node.value != change.old or node.end_lineno is None or node.end_col_offset is None:
            return None
        return Edit(
            (node.lineno, _column(lines[node.lineno - 1], node.col_offset)),
            (node.end_lineno, _column(lines[node.end_lineno - 1], node.end_col_offset)),
            str(change.new),
        )
    return None


def _is_linear(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "Linear"


def _column(line: str, utf8_offset: int) -> int:
    """ast's column (UTF-8 bytes from the line's start) as a 1-based character column."""
    return len(line.encode("utf-8")[:utf8_offset].decode("utf-8")) + 1


def _spanned(text: str, edit: Edit) -> str:
    starts = _line_starts(text)
    if max(edit.start[0], edit.end[0]) > len(starts):
        return ""
    return text[_offset(starts, edit.start) : _offset(starts, edit.end)]


def _offset(starts: list[int], position: tuple[int, int]) -> int:
    return starts[position[0] - 1] + position[1] - 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts
