"""The user's line of code, read with ``ast`` and never run: what a fix says to change.

A finding's fix is written in the user's words where the line allows: ``q.view(B, T, 8,
12)`` with the names as written, not ``q.view(2, 5, 8, 12)`` with the sizes of the
sample batch. Every function takes the line's text and falls back to None (or the text
as it is) where the line is not a statement on its own. No torch here.
"""

from __future__ import annotations

import ast


def statement(text: str) -> str:
    """A line as Python reads it, without its comment: ``a = f(x); b = g(a)  # why``
    reads ``a = f(x); b = g(a)``. As written where it does not parse alone."""
    tree = _parsed(text)
    parts = [ast.unparse(node) for node in tree.body] if tree is not None else []
    if not parts or any("\n" in part for part in parts):
        return text.strip()
    return "; ".join(parts)


def receiver(code: str, method: str) -> str | None:
    """What ``x.view(...)`` or ``torch.reshape(x, ...)`` on this line was called on."""
    call = _call(code, method)
    if call is None or not isinstance(call.func, ast.Attribute):
        return None
    if _is_torch(call.func.value):
        return ast.unparse(call.args[0]) if call.args else None
    return ast.unparse(call.func.value)


def size_arguments(code: str, method: str) -> list[str] | None:
    """The sizes of ``x.view(B, T, 8, 16)`` (or ``torch.reshape(x, (B, T, 8, 16))``) on
    this line, as written: ["B", "T", "8", "16"]."""
    call = _call(code, method)
    if call is None or call.keywords or not isinstance(call.func, ast.Attribute):
        return None
    args = call.args[1:] if _is_torch(call.func.value) else call.args
    if len(args) == 1 and isinstance(args[0], ast.Tuple | ast.List):
        args = list(args[0].elts)
    if any(isinstance(a, ast.Starred) for a in args):
        return None
    return [ast.unparse(a) for a in args]


def is_number(text: str) -> bool:
    return text.lstrip("-").isdigit()


def swapped_call(code: str) -> str | None:
    """``F.linear(w, x)`` on this line, written with its first two arguments swapped."""
    call = _call(code, "linear")
    if call is None or len(call.args) < 2:
        return None
    args = [call.args[1], call.args[0], *call.args[2:]]
    return ast.unparse(ast.Call(call.func, args, call.keywords))


def matmul_operands(code: str) -> tuple[str, str] | None:
    """The two sides of the ``a @ b`` on this line."""
    tree = _parsed(code)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return ast.unparse(node.left), ast.unparse(node.right)
    return None


def _call(code: str, method: str) -> ast.Call | None:
    tree = _parsed(code)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and _name(node.func) == method:
            return node
    return None


def _parsed(code: str) -> ast.Module | None:
    """The line alone, or the expression after its ``return``."""
    text = code.strip()
    for candidate in (text, text.removeprefix("return ").strip()):
        try:
            return ast.parse(candidate)
        except SyntaxError:
            continue
    return None


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _is_torch(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "torch"
