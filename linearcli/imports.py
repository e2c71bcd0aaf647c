"""Which local Python files a Python spec imports, read with ``ast``: nothing is run.

``check --changed`` checks a configured Python spec when its file, or a file it imports,
changed. Imports are found statically: ``import a.b``, ``from a import b`` and relative
imports (``from . import x``, ``from .m import y``), wherever they appear in a file
(inside functions, ``try`` and ``if TYPE_CHECKING`` blocks too), followed transitively.
An absolute import is looked up in the spec's own directory (pymodel puts it first on
``sys.path``) and in the project root; never in site-packages. What is imported
dynamically (``importlib.import_module(name)``, ``__import__``, ``exec``, a path added to
``sys.path`` at run time) cannot be seen.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_MAX_FILES = 10_000  # files followed from one spec; no real project comes close


@dataclass(frozen=True)
class Dependencies:
    """The local files a spec runs when imported, the spec's own file included."""

    files: frozenset[Path]  # resolved paths
    complete: bool  # False when a file in the graph could not be read or parsed


class ImportGraph:
    """Resolves the imports of one project's files; each file is parsed once."""

    def __init__(self, project_root: Path):
        self.project_root = project_root.resolve()
        self._parsed: dict[Path, ast.Module | None] = {}

    def dependencies(self, spec_file: Path) -> Dependencies:
        """``spec_file`` and every local .py file it imports, transitively (cycles too)."""
        start = spec_file.resolve()
        roots = tuple(dict.fromkeys((start.parent, self.project_root)))
        seen = {start}
        todo = [start]
        complete = True
        while todo:
            file = todo.pop()
            tree = self._parse(file)
            if tree is None:
                complete = False
                continue
            for found in _imported_files(file, tree, roots):
                if found not in seen and len(seen) < _MAX_FILES:
                    seen.add(found)
                    todo.append(found)
        return Dependencies(frozenset(seen), complete)

    def _parse(self, file: Path) -> ast.Module | None:
        if file not in self._parsed:
            self._parsed[file] = _parse(file)
        return self._parsed[file]


def module_file(root: Path, module: str) -> Path | None:
    """The file that importing the dotted name ``module`` from ``root`` would run, if any."""
    return _module_file(root, module.split("."))


def _parse(file: Path) -> ast.Module | None:
    try:
        source = file.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to say
            return ast.parse(source, filename=str(file))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _imported_files(file: Path, tree: ast.Module, roots: Sequence[Path]) -> Iterator[Path]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _absolute(alias.name.split("."), roots)
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names if alias.name != "*"]
            module = node.module.split(".") if node.module else []
            if node.level == 0:
                yield from _absolute(module, roots)
                for name in names:  # `from pkg import mod` imports a submodule
                    yield from _absolute([*module, name], roots, prefixes=False)
            else:
                yield from _relative(file, node.level, module, names)


def _absolute(parts: list[str], roots: Sequence[Path], *, prefixes: bool = True) -> Iterator[Path]:
    """``a.b.c`` runs ``a/__init__.py``, ``a/b/__init__.py`` and ``a/b/c.py``."""
    for root in roots:
        for end in range(1 if prefixes else len(parts), len(parts) + 1):
            found = _module_file(root, parts[:end])
            if found is not None:
                yield found


def _relative(file: Path, level: int, module: list[str], names: list[str]) -> Iterator[Path]:
    package = file.parent
    for _ in range(level - 1):
        package = package.parent
    for parts in ([], *(module[:end] for end in range(1, len(module) + 1))):
        found = _module_file(package, parts) if parts else _init(package)
        if found is not None:
            yield found
    for name in names:
        found = _module_file(package, [*module, name])
        if found is not None:
            yield found


def _module_file(root: Path, parts: Sequence[str]) -> Path | None:
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    base = root.joinpath(*parts)
    package = _init(base)  # a package wins over a module of the same name, as in Python
    if package is not None:
        return package
    module = base.with_name(base.name + ".py")
    return module.resolve() if module.is_file() else None


def _init(package: Path) -> Path | None:
    init = package / "__init__.py"
    return init.resolve() if init.is_file() else None
