"""Frozen values that describe a model spec, before any torch object exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")
INTEGER_DTYPES = ("int64", "int32")


@dataclass(frozen=True)
class InputSpec:
    """One sample input: ``shape`` is per sample, the batch axis excluded."""

    shape: tuple[int, ...]
    batch_size: int | None = None
    dtype: str | None = None  # None: the run's floating dtype
    high: int | None = None  # exclusive upper bound of random integer ids
    line: int | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One ``name: {Type: args}`` entry of a YAML spec; Sequential carries children."""

    name: str
    type_name: str
    line: int
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    children: tuple[LayerSpec, ...] = ()


@dataclass(frozen=True)
class YamlSpec:
    path: str  # as the user gave it
    layers: tuple[LayerSpec, ...]
    input: InputSpec | None


@dataclass(frozen=True)
class PythonSpec:
    """A model defined in Python: a file (``path``) or an importable ``module``."""

    reference: str  # as the user gave it
    path: str | None
    module: str | None
    name: str | None  # None: find the model by the documented rules


ModelSpec = YamlSpec | PythonSpec
