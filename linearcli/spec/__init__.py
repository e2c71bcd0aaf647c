"""Spec files -> :data:`ModelSpec`. Never imports torch, so spec errors stay fast."""

from __future__ import annotations

from pathlib import Path

from linearcli.errors import SpecError
from linearcli.spec.python_ref import is_python_reference, parse_python_reference
from linearcli.spec.types import (
    FLOAT_DTYPES,
    INIT_SCHEMES,
    INTEGER_DTYPES,
    InitScheme,
    InputSpec,
    LayerInit,
    LayerSpec,
    ModelSpec,
    PythonSpec,
    YamlSpec,
)
from linearcli.spec.yaml_spec import read_yaml_spec

YAML_SUFFIXES = (".yaml", ".yml")

__all__ = [
    "FLOAT_DTYPES",
    "INIT_SCHEMES",
    "INTEGER_DTYPES",
    "InitScheme",
    "InputSpec",
    "LayerInit",
    "LayerSpec",
    "ModelSpec",
    "PythonSpec",
    "YAML_SUFFIXES",
    "YamlSpec",
    "load_spec",
]


def load_spec(reference: str) -> ModelSpec:
    """Read ``model.yaml``, or parse ``model.py[:NAME]`` / ``package.module:NAME``."""
    if Path(reference).suffix.lower() in YAML_SUFFIXES:
        return read_yaml_spec(reference)
    if is_python_reference(reference):
        return parse_python_reference(reference)
    raise SpecError(
        "not a spec: expected a .yaml/.yml file, a .py file (optionally FILE.py:NAME) "
        "or an importable package.module:NAME",
        path=reference,
    )
