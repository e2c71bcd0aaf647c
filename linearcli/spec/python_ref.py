"""Parse ``file.py``, ``file.py:NAME`` and ``package.module:NAME`` without running them."""

from __future__ import annotations

import re
from pathlib import Path

from linearcli.errors import SpecError
from linearcli.spec.types import PythonSpec

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def is_python_reference(reference: str) -> bool:
    """True for ``x.py``, ``x.py:NAME`` and ``pkg.mod:NAME``."""
    target = reference.rsplit(":", 1)[0] if ":" in reference else reference
    return target.endswith(".py") or (":" in reference and _DOTTED.fullmatch(target) is not None)


def parse_python_reference(reference: str) -> PythonSpec:
    target, name = reference, None
    if ":" in reference:
        target, name = reference.rsplit(":", 1)
        if not _IDENTIFIER.fullmatch(name):
            raise SpecError(f"{name!r} is not a Python name (expected FILE.py:NAME)", path=target)
    if target.endswith(".py"):
        file = Path(target)
        if not file.is_file():
            raise SpecError("no such file" if not file.exists() else "not a file", path=target)
        return PythonSpec(reference=reference, path=target, module=None, name=name)
    return PythonSpec(reference=reference, path=None, module=target, name=name)
