from __future__ import annotations

import json

import pytest

from linearcli.report import SCHEMA_VERSION, Diagnostic, LayerReport, Report, Totals

LAYER = LayerReport(
    name="hidden",
    type="Linear",
    in_features=784,
    out_features=256,
    weight_shape=(256, 784),
    bias_shape=(256,),
    params=200_960,
    init_bound=0.03571428571428571,
    weight_range=(-0.0357, 0.0357),
    calls=1,
    input_shape=(3, 784),
    output_shape=(3, 256),
    status="ok",
    source="specs/mlp.yaml:5",
    mult_adds=602_112,
    output_bytes=3_072,
    params_percent=100.0,
    input_from="(input)",
)
TOTALS = Totals(
    linear_layers=1,
    linear_params=200_960,
    params=200_960,
    trainable_params=200_960,
    param_bytes=803_840,
    mult_adds=602_112,
    linear_maps=1,
    linear_map_params=200_960,
)


def report(*diagnostics: Diagnostic) -> Report:
    return Report(
        spec="specs/mlp.yaml",
        device="cpu",
        dtype="float32",
        inputs=((3, 784),),
        output_shape=(3, 256),
        layers=(LAYER,),
        totals=TOTALS,
        diagnostics=diagnostics,
    )


WARNING = Diagnostic("warning", "not-called", "spare", "never called", "delete it", "m.yaml:3")
ERROR = Diagnostic("error", "forward-error", "fc", "boom")


def test_to_dict_is_the_json_schema_field_by_field() -> None:
    data = report(WARNING).to_dict()
    assert list(data) == [
        "schema_version", "spec", "device", "dtype", "inputs",
        "output_shape", "outputs", "ok", "layers", "totals", "diagnostics",
    ]  # fmt: skip
    assert data["schema_version"] == SCHEMA_VERSION == 2
    assert (data["spec"], data["device"], data["dtype"]) == ("specs/mlp.yaml", "cpu", "float32")
    assert data["inputs"] == [[3, 784]] and data["output_shape"] == [3, 256]
    assert data["ok"] is True
    assert data["layers"] == [
        {
            "name": "hidden",
            "type": "Linear",
            "in_features": 784,
            "out_features": 256,
            "weight_shape": [256, 784],
            "bias_shape": [256],
            "params": 200_960,
            "init_bound": 0.03571428571428571,
            "weight_range": [-0.0357, 0.0357],
            "calls": 1,
            "input_shape": [3, 784],
            "output_shape": [3, 256],
            "status": "ok",
            "source": "specs/mlp.yaml:5",
            "used_by": None,
            "init": None,
            "mult_adds": 602_112,
            "output_bytes": 3_072,
            "params_percent": 100.0,
            "input_from": "(input)",
            "kind": "Linear",
            "stored_shape": [256, 784],
            "weight_layout": "(out, in)",
            "tied_to": [],
            "adapters": [],
            "uses": [],
        }
    ]
    assert data["totals"] == {
        "linear_layers": 1,
        "linear_params": 200_960,
        "params": 200_960,
        "trainable_params": 200_960,
        "param_bytes": 803_840,
        "mult_adds": 602_112,
        "linear_maps": 1,
        "linear_map_params": 200_960,
    }
    assert data["diagnostics"] == [
        {
            "severity": "warning",
            "code": "not-called",
            "layer": "spare",
            "message": "never called",
            "fix": "delete it",
            "source": "m.yaml:3",
            "trace": [],
            "edits": [],
            "applicability": None,
        }
    ]
    json.dumps(data)  # plain JSON types only


@pytest.mark.parametrize(
    ("diagnostics", "ok", "failed", "failed_strict"),
    [
        pytest.param((), True, False, False, id="clean"),
        pytest.param((WARNING,), True, False, True, id="warning"),
        pytest.param((ERROR, WARNING), False, True, True, id="error"),
        pytest.param((Diagnostic("info", "note", None, "fyi"),), True, False, False, id="info"),
    ],
)
def test_ok_and_failed(
    diagnostics: tuple[Diagnostic, ...], ok: bool, failed: bool, failed_strict: bool
) -> None:
    result = report(*diagnostics)
    assert result.ok is ok
    assert result.failed() is failed
    assert result.failed(strict=True) is failed_strict
    assert result.to_dict()["ok"] is ok


def test_torchinfo_fields_default_to_zero_for_reports_made_without_them() -> None:
    # Fields are only ever added: code that builds a LayerReport or Totals without them
    # still works, and their JSON says 0.
    new = ("mult_adds", "output_bytes", "params_percent")
    data = LayerReport(**{k: v for k, v in vars(LAYER).items() if k not in new}).to_dict()
    assert [data[name] for name in new] == [0, 0, 0.0]
    assert Totals(1, 2, 3, 4, 5).to_dict()["mult_adds"] == 0
