"""``linearcli explain IN OUT``: one nn.Linear, and y = x W^T + b worked through for it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from linearcli.errors import SpecError
from linearcli.options import DEFAULT_BATCH_SIZE

MAX_PARAMS = 2**27  # 0.5 GiB of float32: enough to explain, too small to exhaust a laptop
FULL_MATRIX_SIDE = 8  # larger than this on a side: shapes and statistics, not every number
TERMS_SHOWN = 6  # a longer sum is written with its first and last terms
JSON_MAX_VALUES = 65_536  # a tensor with more values is null in JSON (its shape is given)


@dataclass(frozen=True)
class Element:
    """One output value written out: y[i, j] = sum_k x[i, k] W[j, k] + b[j]."""

    index: tuple[int, ...]  # of y
    row: int  # j, the weight row and bias entry it uses
    terms: tuple[tuple[float, float], ...]  # (x[i, k], W[j, k]) for every k
    bias: float | None
    value: float  # the sum, computed here in float64
    module_value: float  # what the module returned

    @property
    def matches(self) -> bool:
        return math.isclose(self.value, self.module_value, rel_tol=1e-5, abs_tol=1e-5)


@dataclass(frozen=True)
class Explanation:
    in_features: int
    out_features: int
    seed: int
    weight: torch.Tensor
    bias: torch.Tensor | None
    input: torch.Tensor
    output: torch.Tensor
    element: Element

    @property
    def params(self) -> int:
        return self.in_features * self.out_features + (
            self.out_features if self.bias is not None else 0
        )

    @property
    def init_bound(self) -> float:
        return 1 / math.sqrt(self.in_features)

    @property
    def small(self) -> bool:
        """Small enough to print every number."""
        rows = self.input.numel() // self.in_features
        return max(self.in_features, self.out_features, rows) <= FULL_MATRIX_SIDE

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "weight": _values(self.weight),
            "bias": _values(self.bias) if self.bias is not None else None,
            "input": _values(self.input),
            "output": _values(self.output),
            "weight_shape": list(self.weight.shape),
            "input_shape": list(self.input.shape),
            "output_shape": list(self.output.shape),
            "params": self.params,
            "init_bound": self.init_bound,
            "seed": self.seed,
            "element": {
                "index": list(self.element.index),
                "terms": [list(term) for term in self.element.terms],
                "bias": self.element.bias,
                "value": self.element.value,
                "module_value": self.element.module_value,
            },
        }


def _values(tensor: torch.Tensor) -> Any:
    return tensor.tolist() if tensor.numel() <= JSON_MAX_VALUES else None


def explain(
    in_features: int,
    out_features: int,
    *,
    batch: int = DEFAULT_BATCH_SIZE,
    input_values: Any = None,
    bias: bool = True,
    seed: int = 0,
) -> Explanation:
    if in_features < 1 or out_features < 1:
        raise SpecError(
            "IN and OUT must be positive: nn.Linear(IN, OUT) needs at least one of each"
        )
    if in_features * out_features > MAX_PARAMS:
        raise SpecError(
            f"nn.Linear({in_features}, {out_features}) has {in_features * out_features:,} weights, "
            f"more than explain builds ({MAX_PARAMS:,}); `linearcli inspect --device meta` "
            "reports shapes of any size"
        )
    torch.manual_seed(seed)
    layer = nn.Linear(in_features, out_features, bias=bias)
    if input_values is None:
        x = torch.randn(batch, in_features, generator=torch.Generator().manual_seed(seed))
    else:
        x = _input_tensor(input_values, in_features)
    with torch.no_grad():
        y = layer(x)
    weight = layer.weight.detach()
    bias_values = layer.bias.detach() if layer.bias is not None else None
    return Explanation(
        in_features=in_features,
        out_features=out_features,
        seed=seed,
        weight=weight,
        bias=bias_values,
        input=x,
        output=y,
        element=_element(x, weight, bias_values, y),
    )


def _input_tensor(values: Any, in_features: int) -> torch.Tensor:
    try:
        x = torch.tensor(values, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SpecError(
            f"--input must be a nested list of numbers, such as [[1.0, -1.0]]: {exc}"
        ) from None
    if x.ndim == 0 or x.shape[-1] != in_features:
        shape = tuple(x.shape)
        example = ", ".join(["1.0"] * min(in_features, 4)) + (", ..." if in_features > 4 else "")
        raise SpecError(
            f"--input has shape {shape}: its last axis must be in_features = {in_features}, "
            f"the size nn.Linear({in_features}, ...) multiplies (e.g. [[{example}]])"
        )
    return x


def _element(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, y: torch.Tensor
) -> Element:
    """The last output of the first sample: it uses every input and the last weight row."""
    index = (*([0] * (y.ndim - 1)), y.shape[-1] - 1)
    row = index[-1]
    sample = x[index[:-1]] if x.ndim > 1 else x
    terms = tuple((float(sample[k]), float(weight[row, k])) for k in range(weight.shape[1]))
    bias_value = float(bias[row]) if bias is not None else None
    value = math.fsum(a * b for a, b in terms) + (bias_value or 0.0)
    return Element(index, row, terms, bias_value, value, float(y[index]))
