"""The init audit's expected values agree with what torch.nn.init actually draws."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

from linearcli.audit import CUSTOM, DEFAULT, audit, expected
from linearcli.records import LinearRecord, Stats
from linearcli.spec import INIT_SCHEMES, InitScheme, LayerInit

FAN_IN, FAN_OUT = 300, 200


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("uniform_", {}),
        ("uniform_", {"a": -0.5, "b": 0.25}),
        ("normal_", {"std": 0.02}),
        ("trunc_normal_", {"std": 0.02}),
        ("xavier_uniform_", {}),
        ("xavier_uniform_", {"gain": 2.0}),
        ("xavier_normal_", {}),
        ("kaiming_uniform_", {}),
        ("kaiming_uniform_", {"nonlinearity": "relu"}),
        ("kaiming_uniform_", {"a": math.sqrt(5)}),  # what nn.Linear itself uses
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming_normal_", {"nonlinearity": "tanh"}),
        ("orthogonal_", {}),
        ("sparse_", {"sparsity": 0.5}),
    ],
)
def test_expected_spread_matches_torch(name: str, kwargs: dict[str, Any]) -> None:
    torch.manual_seed(0)
    weight = torch.empty(FAN_OUT, FAN_IN)
    getattr(nn.init, name)(weight, **kwargs)
    bound, std = expected(name, kwargs, FAN_IN, FAN_OUT)
    assert std is not None
    assert float(weight.std()) == pytest.approx(std, rel=0.03)
    if bound is not None:
        assert float(weight.abs().max()) <= bound * (1 + 1e-6)
        assert float(weight.abs().max()) > 0.98 * bound


def test_nn_linear_default_is_the_default_audit() -> None:
    """kaiming_uniform_(a=sqrt(5)) on the weight is exactly U(-1/sqrt(in), 1/sqrt(in))."""
    assert expected("kaiming_uniform_", {"a": math.sqrt(5)}, FAN_IN, FAN_OUT) == pytest.approx(
        (1 / math.sqrt(FAN_IN), 1 / math.sqrt(3 * FAN_IN))
    )


@pytest.mark.parametrize(("name", "value"), [("constant_", 0.5), ("ones_", 1.0), ("zeros_", 0.0)])
def test_constants(name: str, value: float) -> None:
    kwargs = {"val": value} if name == "constant_" else {}
    assert expected(name, kwargs, FAN_IN, FAN_OUT) == (value, 0.0)


def test_structural_schemes_have_no_spread() -> None:
    assert expected("eye_", {}, FAN_IN, FAN_OUT) == (None, None)


def test_the_scheme_list_is_torch_nn_inits_fillers() -> None:
    fillers = {
        name
        for name in dir(nn.init)
        if name.endswith("_") and not name.startswith("_") and callable(getattr(nn.init, name))
    }
    assert set(INIT_SCHEMES) == fillers


def record(weight: Stats | None, bias: Stats | None, in_features: int = 100) -> LinearRecord:
    return LinearRecord(
        name="fc",
        type_name="Linear",
        in_features=in_features,
        out_features=10,
        weight_shape=(10, in_features),
        bias_shape=(10,),
        params=10 * in_features + 10,
        weight_stats=weight,
        bias_stats=bias,
        calls=(),
        used_by=None,
    )


def test_default_custom_and_spec_schemes() -> None:
    inside = Stats(-0.0999, 0.0998, 0.0, 0.0577, 1000)
    outside = Stats(-0.5, 0.5, 0.0, 0.29, 1000)
    zeros = Stats(0.0, 0.0, 0.0, 0.0, 10)
    result = audit(record(inside, zeros), None)
    assert (result.weight.scheme, result.weight.expected_bound) == (DEFAULT, pytest.approx(0.1))
    assert result.weight.expected_std == pytest.approx(0.1 / math.sqrt(3))
    # a uniform draw is never all zeros: the bias was zeroed
    assert result.bias is not None and result.bias.scheme == "zeros_"
    assert (result.bias.expected_bound, result.bias.expected_std, result.bias.declared) == (
        0.0,
        0.0,
        False,
    )
    assert audit(record(outside, None), None).weight.scheme == "uniform_(a=-0.5, b=0.5)"
    heavy_tailed = Stats(-0.9, 0.9, 0.0, 0.05, 1000)  # 18 deviations out: no scheme draws that
    assert audit(record(heavy_tailed, None), None).weight.scheme == CUSTOM
    narrow = Stats(-0.0499, 0.05, 0.0, 0.0289, 1000)  # inside the default's bound, not it
    assert audit(record(narrow, None), None).weight.scheme == "uniform_(a=-0.05, b=0.05)"
    spec = LayerInit(weight=InitScheme("normal_", {"std": 0.02}), bias=InitScheme("zeros_"))
    result = audit(record(outside, zeros), spec)
    assert (result.weight.scheme, result.weight.expected_std) == ("normal_(std=0.02)", 0.02)
    assert result.bias is not None and result.bias.scheme == "zeros_"


def test_meta_shows_expected_values_only() -> None:
    result = audit(record(None, None), None)
    assert (result.weight.scheme, result.weight.observed) == (DEFAULT, None)
    assert result.weight.expected_bound == pytest.approx(0.1)
    assert result.weight.to_dict()["std"] is None
