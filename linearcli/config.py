"""``[tool.linearcli]`` in pyproject.toml: found by walking up from the current directory.

Command-line flags override it. Paths in it are relative to the file it is in.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linearcli.errors import SpecError
from linearcli.options import MAX_SEED, MAX_SIZE, InputKind, RunOptions, parse_size
from linearcli.selection import FindingRules, rules_from
from linearcli.spec import FLOAT_DTYPES

KEYS = (
    "device",
    "dtype",
    "seed",
    "batch-size",
    "strict",
    "allow-imports",
    "max-memory",
    "mode",
    "paths",
    "exclude",
    "select",
    "ignore",
    "extend-select",
    "inputs",
)
Shapes = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Config:
    path: str | None = None  # the pyproject.toml, as shown to the user
    device: str | None = None
    dtype: str | None = None
    seed: int | None = None
    batch_size: int | None = None
    strict: bool | None = None
    allow_imports: bool | None = None
    max_memory: int | None = None
    mode: str | None = None
    paths: tuple[str, ...] = ()  # as the user would type them from the current directory
    exclude: tuple[str, ...] = ()  # gitignore-style patterns, relative to ``root``
    root: Path | None = None  # the directory of the pyproject.toml
    select: tuple[str, ...] | None = None  # finding codes or prefixes; None: every code
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    inputs: Mapping[str, Shapes] = field(default_factory=dict)  # resolved path -> shapes

    def run_options(
        self,
        reference: str,
        *,
        device: str | None = None,
        dtype: str | None = None,
        seed: int | None = None,
        batch_size: int | None = None,
        input_shapes: Shapes = (),
        input_kinds: tuple[InputKind, ...] = (),
        model_args: Mapping[str, Any] | None = None,
        allow_imports: bool | None = None,
        max_memory: int | None = None,
        mode: str | None = None,
    ) -> RunOptions:
        """What to run ``reference`` with: flags first, then this config, then defaults."""
        return RunOptions(
            device=device or self.device or RunOptions.device,
            dtype=dtype or self.dtype,
            seed=_first(seed, self.seed, RunOptions.seed),
            batch_size=batch_size,
            default_batch_size=self.batch_size,
            input_shapes=input_shapes or self.inputs_for(reference),
            input_kinds=input_kinds if input_shapes else (),
            model_args=model_args or {},
            allow_imports=_first(allow_imports, self.allow_imports, False),
            max_memory=max_memory or self.max_memory,
            mode="train" if (mode or self.mode) == "train" else "eval",
        )

    def finding_rules(
        self, select: Sequence[str], ignore: Sequence[str], extend_select: Sequence[str]
    ) -> FindingRules:
        """The flags' --select/--ignore/--extend-select over this config's, ruff's way."""
        configured = rules_from(self.select, self.ignore, self.extend_select, path=self.path)
        return rules_from(list(select) or None, ignore, extend_select, base=configured, prefix="--")

    def is_strict(self, flag: bool | None) -> bool:
        """--strict / --no-strict, else this config's strict, else off."""
        return bool(_first(flag, self.strict, False))

    def inputs_for(self, reference: str) -> Shapes:
        """The configured input shapes for a Python spec file, if any."""
        file = reference.rsplit(":", 1)[0] if ":" in reference else reference
        return self.inputs.get(str(Path(file).resolve()), ())


def find_config(start: Path | None = None) -> Path | None:
    """The closest pyproject.toml with a [tool.linearcli] table, from ``start`` upwards."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "linearcli" in _read(candidate).get("tool", {}):
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    path = find_config(start)
    if path is None:
        return Config()
    shown = _shown(path)
    table = _read(path)["tool"]["linearcli"]
    if not isinstance(table, dict):
        raise SpecError("[tool.linearcli] must be a table", path=shown)
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        names = ", ".join(unknown)
        raise SpecError(
            f"unknown key{'s' if len(unknown) > 1 else ''} in [tool.linearcli]: {names} "
            f"(known: {', '.join(KEYS)})",
            path=shown,
        )
    base = path.parent

    def get(key: str, kind: type, check: Any = None, what: str = "") -> Any:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SpecError(f"[tool.linearcli] {key} must be {what or kind.__name__}", path=shown)
        if check is not None and not check(value):
            raise SpecError(f"[tool.linearcli] {key} must be {what}", path=shown)
        return value

    paths = get("paths", list, lambda v: all(isinstance(p, str) for p in v), "a list of paths")
    inputs = get("inputs", dict, None, 'a table of "file.py" = [shape] or [[shape], ...]')
    return Config(
        path=shown,
        device=get("device", str),
        dtype=get("dtype", str, lambda v: v in FLOAT_DTYPES, f"one of {', '.join(FLOAT_DTYPES)}"),
        seed=get("seed", int, lambda v: 0 <= v <= MAX_SEED, "a whole number from 0 to 2^64 - 1"),
        batch_size=get(
            "batch-size", int, lambda v: 0 < v <= MAX_SIZE, f"a positive integer up to {MAX_SIZE:,}"
        ),
        strict=get("strict", bool, None, "true or false"),
        allow_imports=get("allow-imports", bool, None, "true or false"),
        max_memory=_max_memory(table.get("max-memory"), shown),
        mode=get("mode", str, lambda v: v in ("eval", "train"), "eval or train"),
        paths=tuple(_shown(base / p) for p in paths or ()),
        exclude=tuple(
            get("exclude", list, lambda v: all(isinstance(p, str) for p in v), "a list of patterns")
            or ()
        ),
        root=base,
        select=_codes(get("select", list, _strings, "a list of finding codes")),
        ignore=_codes(get("ignore", list, _strings, "a list of finding codes")) or (),
        extend_select=_codes(get("extend-select", list, _strings, "a list of finding codes")) or (),
        inputs={
            str((base / name).resolve()): _shapes(name, value, shown)
            for name, value in (inputs or {}).items()
        },
    )


def _max_memory(value: Any, shown: str) -> int | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError
        return parse_size(str(value))
    except ValueError:
        raise SpecError(
            '[tool.linearcli] max-memory must be a size such as "8GB" or "512MiB"', path=shown
        ) from None


def _strings(value: list[Any]) -> bool:
    return all(isinstance(item, str) for item in value)


def _codes(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _first(*values: Any) -> Any:
    return next(value for value in values if value is not None)


def _shapes(name: str, value: Any, shown: str) -> Shapes:
    shapes = value if value and all(isinstance(v, list) for v in value) else [value]
    for shape in shapes:
        if not isinstance(shape, list) or not shape or not all(_positive(size) for size in shape):
            raise SpecError(
                f"[tool.linearcli.inputs] {name!r} must be a shape such as [3, 32, 32] "
                "or a list of shapes",
                path=shown,
            )
    return tuple(tuple(shape) for shape in shapes)


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"invalid TOML: {exc}", path=_shown(path)) from None


def _shown(path: Path) -> str:
    """A path as a user would type it from the current directory."""
    relative = os.path.relpath(path, Path.cwd())
    return str(path) if relative.startswith(".." + os.sep + "..") else relative
