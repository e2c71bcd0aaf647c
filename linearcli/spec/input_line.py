"""Where a Python spec hands its example input over: the line a fix to the input edits.

A batch without its batch axis, or with its axes the wrong way round, is fixed where
``example_input`` gives it: the one ``return`` of an ``example_input()`` function, or
the statement assigning a module-level ``example_input``. Read from the file's syntax
tree, without running it; nothing where there is no single such line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def example_input_line(path: str) -> int | None:
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    line = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "example_input":
            returns = [r for r in _own(node) if isinstance(r, ast.Return) and r.value is not None]
            line = returns[0].lineno if len(returns) == 1 else None
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "example_input" for t in targets):
                line = node.lineno
    return line


def _own(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """The function's own statements and expressions, not those of functions inside it."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
