"""Property-based: whatever a spec file holds, linearcli answers 0, 1 or 2, promptly.

The cli fixture fails any run that prints a traceback (exit 3 is our bug).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import ROOT, Result

Cli = Callable[..., Result]
TIME_BOUND_S = 15
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXAMPLES = sorted(p for p in ROOT.glob("specs/**/*.yaml") if p.name != "gpt3.yaml")  # small ones

LAYER_TYPES = [
    "Linear", "ReLU", "Tanh", "GELU", "Flatten", "Identity", "Dropout", "Softmax", "LayerNorm",
    "Conv1d", "Embedding", "LazyLinear", "Linaer", "os.system", "nn.Linear", "Parameter",
]  # fmt: skip
ARG_NAMES = [
    "in_features", "out_features", "bias", "dim", "p", "kernel_size", "in_channels",
    "out_channels", "normalized_shape", "num_embeddings", "embedding_dim", "junk",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=48),
    st.sampled_from([0, -1, 10**6, 2**31 + 1, 2**40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
)
arguments = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.sampled_from(ARG_NAMES), scalars, max_size=3),
)
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)


def layers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(LAYER_TYPES),
        st.dictionaries(st.sampled_from(LAYER_TYPES), arguments, min_size=1, max_size=1),
        st.builds(lambda body: {"Sequential": body}, inner),
        st.builds(
            lambda t, a, i: {t: a, "init": i},
            st.sampled_from(LAYER_TYPES),
            arguments,
            st.sampled_from(["zeros_", "xavier_uniform", "bogus_", "normal_"]),
        ),
    )


models = st.recursive(
    st.one_of(
        st.dictionaries(names, st.sampled_from(LAYER_TYPES), max_size=3),
        st.lists(st.sampled_from(LAYER_TYPES), max_size=3),
    ),
    lambda inner: st.one_of(
        st.dictionaries(names, layers(inner), max_size=5), st.lists(layers(inner), max_size=5)
    ),
    max_leaves=12,
)
inputs = st.fixed_dictionaries(
    {
        "shape": st.one_of(
            st.lists(st.integers(-1, 8), max_size=2), st.integers(-1, 8), st.text(max_size=3)
        )
    },
    optional={
        "batch_size": st.integers(-1, 3),
        "dtype": st.sampled_from(["float32", "float64", "int64", "int8", 3]),
        "high": st.integers(-1, 10),
    },
)
specs = st.fixed_dictionaries({"model": models}, optional={"input": inputs, "extra": scalars})


def run_file(cli: Cli, path: Path) -> None:
    started = time.monotonic()
    result = cli("inspect", str(path), "--format", "json")
    assert time.monotonic() - started < TIME_BOUND_S
    assert result.exit_code in (0, 1, 2), result.stderr


@SETTINGS
@given(spec=specs)
def test_random_specs(cli: Cli, tmp_path: Path, spec: dict[str, Any]) -> None:
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    run_file(cli, path)


@SETTINGS
@given(data=st.data())
def test_mutated_example_specs(cli: Cli, tmp_path: Path, data: st.DataObject) -> None:
    original = bytearray(data.draw(st.sampled_from(EXAMPLES)).read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(original) - 1))
        kind = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        byte = data.draw(st.sampled_from(list(b"[]{}:,-&*!|>'\"#\n 0123456789xyz\t\x00\xff")))
        if kind == "replace":
            original[position] = byte
        elif kind == "delete":
            del original[position]
        elif kind == "insert":
            original.insert(position, byte)
        else:
            del original[position:]
        if not original:
            break
    path = tmp_path / "mutated.yaml"
    path.write_bytes(bytes(original))
    run_file(cli, path)


@SETTINGS
@given(junk=st.binary(max_size=512))
def test_junk_bytes(cli: Cli, tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(junk)
    run_file(cli, path)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(depth=st.integers(1, 3000), kind=st.sampled_from("[{"))
def test_deep_nesting(cli: Cli, tmp_path: Path, depth: int, kind: str) -> None:
    close = "]" if kind == "[" else "}"
    body = (kind + ("a: " if kind == "{" else "")) * depth + "1" + close * depth
    path = tmp_path / "deep.yaml"
    path.write_text(f"model:\n  fc: {{Linear: {body}}}\n")
    run_file(cli, path)


@pytest.mark.parametrize("spec", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_examples_are_valid_starting_points(spec: Path) -> None:
    assert yaml.safe_load(spec.read_text())["model"]
