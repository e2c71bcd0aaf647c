"""Init audit: what a Linear's weight and bias should look like, and what they do.

Pure functions: the formulas of torch.nn.init's documentation, applied to a layer's
fan-in and fan-out, next to the values the trace observed; where the spec names no
scheme, the one the values look like (recognise.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from linearcli.recognise import DEFAULT, recognise
from linearcli.records import LINEAR, LinearRecord, Stats
from linearcli.report import InitAudit, ParamInit
from linearcli.spec import InitScheme, LayerInit

CUSTOM = "custom"  # values that no scheme linearcli knows would have drawn


def audit(record: LinearRecord, init: LayerInit | None) -> InitAudit:
    """The spec's scheme where it names one; otherwise the scheme the values look like
    (``recognise``), PyTorch's Linear default among them. A module other than nn.Linear
    (transformers' Conv1D) has no default of PyTorch's: its values are named, or
    ``custom``."""
    fan_in, fan_out = record.in_features, record.out_features
    own = record.kind != LINEAR
    weight = _param(record.weight_stats, init.weight if init else None, fan_in, fan_out, own=own)
    bias = None
    if record.bias_shape is not None:
        # The bias's own fan-in is that of the layer: PyTorch bounds it by 1/sqrt(in_features).
        scheme = init.bias if init else None
        bias = _param(record.bias_stats, scheme, fan_in, fan_out, bias=True, own=own)
    return InitAudit(weight=weight, bias=bias)


def _param(
    stats: Stats | None,
    scheme: InitScheme | None,
    fan_in: int,
    fan_out: int,
    *,
    bias: bool = False,
    own: bool = False,
) -> ParamInit:
    if scheme is not None:
        bound, std = expected(scheme.name, scheme.kwargs, fan_in, fan_out)
        return ParamInit(scheme.describe(), bound, std, stats, declared=True)
    if stats is None:  # on meta: what the default implies, nothing observed
        if own or fan_in <= 0:
            return ParamInit(CUSTOM, None, None, None)
        bound = 1 / math.sqrt(fan_in)
        return ParamInit(DEFAULT, bound, bound / math.sqrt(3), None)
    found = recognise(stats, fan_in, fan_out, linear=not own, bias=bias)
    if found is None:
        return ParamInit(CUSTOM, None, None, stats)
    return ParamInit(found.scheme, found.bound, found.std, stats)


def expected(
    name: str, kwargs: Mapping[str, Any], fan_in: int, fan_out: int
) -> tuple[float | None, float | None]:
    """(bound, std) the scheme draws from; None where it has none (eye_, normal_ bound)."""
    get = kwargs.get
    if name == "uniform_":
        low, high = float(get("a", 0.0)), float(get("b", 1.0))
        return max(abs(low), abs(high)), (high - low) / math.sqrt(12)
    if name in ("normal_", "trunc_normal_"):
        return None, float(get("std", 1.0))
    if name in ("constant_", "ones_", "zeros_"):
        value = {"ones_": 1.0, "zeros_": 0.0}.get(name, float(get("val", 0.0)))
        return abs(value), 0.0
    if name in ("xavier_uniform_", "xavier_normal_"):
        std = float(get("gain", 1.0)) * math.sqrt(2.0 / (fan_in + fan_out))
        return (std * math.sqrt(3), std) if name == "xavier_uniform_" else (None, std)
    if name in ("kaiming_uniform_", "kaiming_normal_"):
        fan = fan_out if get("mode", "fan_in") == "fan_out" else fan_in
        gain = _gain(str(get("nonlinearity", "leaky_relu")), get("a", 0))
        std = gain / math.sqrt(fan)
        return (std * math.sqrt(3), std) if name == "kaiming_uniform_" else (None, std)
    if name == "orthogonal_":
        return None, float(get("gain", 1.0)) / math.sqrt(max(fan_in, fan_out))
    if name == "sparse_":
        sparsity = float(get("sparsity", 0.0))
        return None, float(get("std", 0.01)) * math.sqrt(1 - sparsity)
    return None, None  # eye_, dirac_: a structure, not a distribution


def _gain(nonlinearity: str, param: Any) -> float:
    """torch.nn.init.calculate_gain."""
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    return 1.0  # linear, conv*, sigmoid
