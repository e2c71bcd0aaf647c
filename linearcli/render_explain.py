"""An Explanation as a worked example for the terminal, or as JSON. Never prints."""

from __future__ import annotations

import json

import torch
from rich.console import Group, RenderableType
from rich.text import Text

from linearcli.explain import TERMS_SHOWN, Explanation
from linearcli.report import format_shape


def render_explanation_json(explained: Explanation) -> str:
    return json.dumps(explained.to_dict(), indent=2, allow_nan=False) + "\n"


def render_explanation(explained: Explanation) -> RenderableType:
    e = explained
    x, w, y = (
        format_shape(tuple(e.input.shape)),
        format_shape(tuple(e.weight.shape)),
        format_shape(tuple(e.output.shape)),
    )
    b = format_shape((e.out_features,))
    bias_term = f" + b {b}" if e.bias is not None else ""
    signature = f"{e.in_features}, {e.out_features}" + (
        "" if e.bias is not None else ", bias=False"
    )
    formula = "y = x Wᵀ + b" if e.bias is not None else "y = x Wᵀ"
    lines = [
        Text(f"nn.Linear({signature}): {formula}   (seed {e.seed})", style="bold"),
        Text(""),
        Text(f"  x  {x:<14} the input: the last axis is in_features = {e.in_features}"),
        Text(f"  W  {w:<14} the weight: (out_features, in_features)"),
    ]
    if e.bias is not None:
        lines.append(Text(f"  b  {b:<14} the bias: (out_features,)"))
    lines += [
        Text(f"  y  {y:<14} x {x} @ Wᵀ {format_shape(tuple(e.weight.T.shape))}{bias_term} → {y}"),
        Text(""),
        Text(_params(e)),
        Text(
            f"Init, PyTorch's default: W{' and b' if e.bias is not None else ''} ~ "
            f"U(-1/√{e.in_features}, +1/√{e.in_features}) = "
            f"U({-e.init_bound:.4g}, +{e.init_bound:.4g})"
        ),
        Text(""),
    ]
    named = [
        ("W", e.weight),
        *([("b", e.bias)] if e.bias is not None else []),
        ("x", e.input),
        ("y = x Wᵀ + b" if e.bias is not None else "y = x Wᵀ", e.output),
    ]
    for name, tensor in named:
        if tensor is None:
            continue
        lines.append(Text(f"{name} =" if e.small else f"{name}: {_stats(tensor)}"))
        if e.small:
            lines += [Text(f"  {row}") for row in _rows(tensor)]
    lines += [Text(""), *_element(e)]
    return Group(*lines)


def _params(e: Explanation) -> str:
    weights = f"{e.out_features}×{e.in_features} = {e.in_features * e.out_features:,} weights"
    if e.bias is None:
        return f"Parameters: {weights} (no bias) = {e.params:,}"
    return f"Parameters: {weights} + {e.out_features:,} biases = {e.params:,}"


def _element(e: Explanation) -> list[Text]:
    element = e.element
    where = ", ".join(map(str, element.index))
    sample = ", ".join(map(str, element.index[:-1]))
    k_index = f"{sample}, " if sample else ""
    j = element.row
    shown = list(range(len(element.terms)))
    if len(shown) > TERMS_SHOWN:
        shown = [0, 1, -1, shown[-1]]  # -1: the ellipsis
    symbols = ["…" if k < 0 else f"x[{k_index}{k}]·W[{j}, {k}]" for k in shown]
    numbers = [
        "…" if k < 0 else f"({element.terms[k][0]:.4f})({element.terms[k][1]:.4f})" for k in shown
    ]
    if element.bias is not None:
        symbols.append(f"b[{j}]")
        numbers.append(f"({element.bias:.4f})")
    lead = f"  y[{where}] = "
    pad = " " * len(lead)
    check = (
        f"✓ the module returned {element.module_value:.4f}"
        if element.matches
        else f"✗ the module returned {element.module_value:.4f}"
    )
    count = len(element.terms)
    title = (
        f"One output, written out (a sum over all {count} input features):"
        if count > TERMS_SHOWN
        else "One output, written out:"
    )
    return [
        Text(title, style="bold"),
        *_sum_lines(lead, symbols),
        *_sum_lines(pad[:-2] + "= ", numbers),
        Text(
            pad[:-2] + f"= {element.value:.4f}   {check}",
            style="green" if element.matches else "red",
        ),
    ]


def _sum_lines(lead: str, terms: list[str], width: int = 78) -> list[Text]:
    """lead + t1 + t2 + ..., continued on aligned lines that start with '+'."""
    lines, line = [], lead + terms[0]
    for term in terms[1:]:
        if len(line) + 3 + len(term) > width:
            lines.append(Text(line))
            line = " " * (len(lead) - 2) + "+ " + term
        else:
            line += " + " + term
    return [*lines, Text(line)]


def _rows(tensor: torch.Tensor) -> list[str]:
    matrix = tensor.reshape(-1, tensor.shape[-1]) if tensor.ndim > 1 else tensor.reshape(1, -1)
    return ["[" + "  ".join(f"{float(v): .4f}" for v in row) + "]" for row in matrix]


def _stats(tensor: torch.Tensor) -> str:
    values = tensor.double()
    std = float(values.std()) if values.numel() > 1 else 0.0
    low, high, mean = float(values.min()), float(values.max()), float(values.mean())
    shape = format_shape(tuple(tensor.shape))
    return f"{shape}, min {low:.4g}, max {high:.4g}, mean {mean:.4g}, std {std:.4g}"
