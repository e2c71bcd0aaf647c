from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml

from linearcli.spec.schema import SPEC_SCHEMA

from .conftest import ROOT, Result

Cli = Callable[..., Result]
VALIDATOR = jsonschema.Draft202012Validator(SPEC_SCHEMA)
YAML_SPECS = sorted(ROOT.glob("specs/**/*.yaml"))


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SPEC_SCHEMA)
    assert SPEC_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_command_prints_it(cli: Cli) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == SPEC_SCHEMA


@pytest.mark.parametrize("spec", YAML_SPECS, ids=[str(p.relative_to(ROOT)) for p in YAML_SPECS])
def test_every_spec_in_specs_is_valid(spec: Path) -> None:
    VALIDATOR.validate(yaml.safe_load(spec.read_text()))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("input: {shape: [3]}\n", id="no-model"),
        pytest.param("model: [ReLU]\nlayers: []\n", id="unknown-top-key"),
        pytest.param("model: {}\n", id="no-layers"),
        pytest.param("model:\n  fc: {Linear: [1, 2], bias: false}\n", id="two-keys"),
        pytest.param("model:\n  a.b: ReLU\n", id="dotted-name"),
        pytest.param("model:\n  fc: 'not a type'\n", id="bad-type"),
        pytest.param("model:\n  s: {Sequential: []}\n", id="empty-sequential"),
        pytest.param("model:\n  s: {Sequential: 3}\n", id="sequential-scalar"),
        pytest.param("input: {batch_size: 2}\nmodel: [ReLU]\n", id="input-no-shape"),
        pytest.param("input: {shape: [0, 3]}\nmodel: [ReLU]\n", id="zero-size"),
        pytest.param("input: {shape: [3], dtype: int8}\nmodel: [ReLU]\n", id="dtype"),
        pytest.param("input: {shape: [3], dtype: int64}\nmodel: [ReLU]\n", id="ids-without-high"),
        pytest.param("input: {shape: [3], high: 5}\nmodel: [ReLU]\n", id="high-float"),
    ],
)
def test_what_the_reader_refuses_the_schema_refuses(text: str) -> None:
    assert not VALIDATOR.is_valid(yaml.safe_load(text))


def test_schema_does_not_import_torch() -> None:
    code = (
        "import sys\nfrom linearcli.cli import run\nrun(['schema'])\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stderr.strip() == "False"
    assert json.loads(result.stdout)["title"] == "linearcli model spec"
