"""A change's edit in a Python spec, from ``ast`` positions: the call on the finding's
line, and the argument as written there.

Nothing is edited unless what is written is what the change says it is: a Linear's
``in_features`` must be a plain integer literal equal to the old size (``16 * 5 * 5``,
a variable or a helper's parameter are left to the user), a view's sizes must read as
the finding read them, a ``dim`` must be the old value.
"""

from __future__ import annotations

import ast

from linearcli.changes import Change, Edit


def python_edit(change: Change, line: int, text: str) -> Edit | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.split("\n")
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and call.lineno == line and _name(call) == change.call:
            return _edit(change, call, lines)
    return None


def _edit(change: Change, call: ast.Call, lines: list[str]) -> Edit | None:
    def span(first: ast.expr, last: ast.expr, content: str) -> Edit | None:
        end_line, end_col = last.end_lineno, last.end_col_offset
        if end_line is None or end_col is None:
            return None
        start = (first.lineno, _column(lines[first.lineno - 1], first.col_offset))
        return Edit(start, (end_line, _column(lines[end_line - 1], end_col)), content)

    if change.argument == "in_features":
        size = _argument(call, change.argument, 0)
        if not (isinstance(size, ast.Constant) and type(size.value) is int):
            return None
        return span(size, size, change.new) if str(size.value) == change.old else None
    if change.argument == "flatten":  # self.fc1(x) -> self.fc1(x.flatten(1))
        if len(call.args) != 1 or call.keywords:
            return None
        (given,) = call.args
        simple = isinstance(given, ast.Name | ast.Attribute | ast.Call | ast.Subscript)
        text = ast.unparse(given) if simple else f"({ast.unparse(given)})"
        return span(given, given, f"{text}.flatten({change.new})")
    if change.argument == "sizes":
        args = call.args
        if len(args) == 1 and isinstance(args[0], ast.Tuple | ast.List):
            args = args[0].elts
        if not args or call.keywords or not isinstance(call.func, ast.Attribute):
            return None
        if ", ".join(ast.unparse(a) for a in args) != change.old:
            return None
        return span(args[0], args[-1], change.new)
    method = isinstance(call.func, ast.Attribute) and not _is_torch(call.func.value)
    node = _argument(call, change.argument, 0 if method else 1)
    if node is not None:
        return span(node, node, change.new) if ast.unparse(node) == change.old else None
    if change.old or call.keywords or len(call.args) != (0 if method else 1):
        return None
    if method:  # x.flatten() -> x.flatten(1): before the closing parenthesis
        end = span(call, call, "")
        if end is None or end.start[0] != end.end[0]:
            return None
        closing = (end.end[0], end.end[1] - 1)
        return Edit(closing, closing, change.new)
    after = span(call.args[0], call.args[0], "")  # torch.flatten(x) -> torch.flatten(x, 1)
    return Edit(after.end, after.end, f", {change.new}") if after is not None else None


def _argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    keyword = next((k.value for k in call.keywords if k.arg == name), None)
    if keyword is not None:
        return keyword
    return call.args[position] if len(call.args) > position else None


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _is_torch(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "torch"


def _column(line: str, utf8_offset: int) -> int:
    """ast's column (UTF-8 bytes from the line's start) as a 1-based character column."""
    return len(line.encode("utf-8")[:utf8_offset].decode("utf-8")) + 1
