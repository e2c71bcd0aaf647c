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


# The functions of torch.nn.init that fill a tensor; a test checks this list against torch.
INIT_SCHEMES = (
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "dirac_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "sparse_",
)


@dataclass(frozen=True)
class InitScheme:
    """``xavier_uniform_`` or ``{normal_: {std: 0.02}}`` from a spec's ``init:``."""

    name: str  # a torch.nn.init function name, with its trailing underscore
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None

    def describe(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}({arguments})" if arguments else self.name


@dataclass(frozen=True)
class LayerInit:
    weight: InitScheme | None = None
    bias: InitScheme | None = None


@dataclass(frozen=True)
class LayerSpec:
    """One ``name: {Type: args}`` entry of a YAML spec; Sequential carries children."""

    name: str
    type_name: str
    line: int
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    children: tuple[LayerSpec, ...] = ()
    init: LayerInit | None = None


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
