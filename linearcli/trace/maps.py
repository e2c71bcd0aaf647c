"""Which parameters are linear maps.

The trace watched which matrices the pass applied (ops.py). A row is made for:

- every nn.Linear, called or not (``Linear``);
- a matrix of another module applied by that module's own forward (``module``):
  transformers' Conv1D, whose ``weight`` is kept (in, out) and run by ``torch.addmm``;
- a matrix applied by another module's forward (``functional``): an embedding's weight
  used as the LM head, ``F.linear(h, self.embed.weight)``;
- nn.MultiheadAttention's packed ``in_proj_weight`` (``packed``): q, k and v, E -> E each,
  kept as one (3E, E) matrix;
- a bank of experts, one 3-D parameter (experts, out, in) or (experts, in, out) whose
  slices are applied (``experts``);
- a quantized Linear (``torch.ao.quantization.quantize_dynamic``), whose weight is packed
  where no operation shows it: read from the module (``quantized``).

A LoRA layer (peft's: a module with a ``base_layer`` and ``lora_A``/``lora_B`` dicts of
Linears) is one row, named after the wrapper: its base layer's map, with its adapters.

Pure bookkeeping over modules and parameters: what the pass saw is ops.py's; what each
row then says, rows.py's.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from linearcli.records import (
    EXPERTS,
    FUNCTIONAL,
    LINEAR,
    MODULE,
    PACKED,
    QUANTIZED,
    ROOT_NAME,
    Adapter,
)
from linearcli.trace.ops import Use, is_matrix


@dataclass(frozen=True)
class MapRow:
    name: str
    kind: str
    owner: nn.Module  # the module holding the weight
    owner_name: str
    weight: torch.Tensor
    bias: torch.Tensor | None
    use: Use | None  # the weight's first use as a matrix; None: never applied
    adapters: tuple[Adapter, ...] = ()
    type_name: str | None = None  # where the class's name is not the whole story


def watched(named: Sequence[tuple[str, nn.Module]]) -> list[torch.Tensor]:
    """Every matrix a module holds as its own: the candidates for a linear map."""
    return [p for _, m in named for p in own_parameters(m).values() if is_matrix(p)]


def map_rows(named: Sequence[tuple[str, nn.Module]], used: dict[int, Use]) -> list[MapRow]:
    """The rows, in ``named_modules()`` order, each weight once (a shared one: first owner)."""
    rows: list[MapRow] = []
    seen: set[int] = set()
    for name, module in named:
        if isinstance(module, nn.Linear):
            seen.add(id(module.weight))
            use = used.get(id(module.weight))
            rows.append(MapRow(name, LINEAR, module, name, module.weight, module.bias, use))
            continue
        if is_quantized_linear(module):
            weight, bias, packed = quantized_values(module)
            named_as: Any = module._get_name
            type_name = f"{named_as()} ({packed})"  # DynamicQuantizedLinear (qint8)
            rows.append(MapRow(name, QUANTIZED, module, name, weight, bias, None, (), type_name))
            continue
        for param_name, param in own_parameters(module).items():
            if param is None or id(param) in seen or id(param) not in used or not is_matrix(param):
                continue
            seen.add(id(param))
            rows.append(_row(name, module, param_name, param, used[id(param)]))
    return _with_adapters(rows, named)


def _with_adapters(rows: list[MapRow], named: Sequence[tuple[str, nn.Module]]) -> list[MapRow]:
    """A LoRA wrapper's base layer's row renamed after the wrapper and given its adapters;
    the adapters' own Linears are no rows (B starts at zero by design: no finding)."""
    wrappers: dict[int, tuple[str, tuple[Adapter, ...], set[int]]] = {}
    owners = {id(row.owner) for row in rows}
    for name, module in named:
        children = dict(module.named_children())
        base, a, b = children.get("base_layer"), children.get("lora_A"), children.get("lora_B")
        if base is None or not isinstance(a, nn.ModuleDict) or not isinstance(b, nn.ModuleDict):
            continue
        linear = [
            (key, down, up)
            for key, down, up in ((key, a[key], b[key]) for key in a if key in b)
            if isinstance(down, nn.Linear) and isinstance(up, nn.Linear) and _sized(down, up)
        ]
        if id(base) in owners:  # else A and B keep rows of their own: nothing is hidden
            parts = {id(m) for _, down, up in linear for m in (down, up)}
            wrappers[id(base)] = (name, tuple(_adapter(*pair) for pair in linear), parts)
    folded = {part for _, _, parts in wrappers.values() for part in parts}
    found = []
    for row in rows:
        if id(row.owner) in folded:
            continue
        wrapper = wrappers.get(id(row.owner))
        found.append(row if wrapper is None else replace(row, name=wrapper[0], adapters=wrapper[1]))
    return found


def _sized(down: nn.Linear, up: nn.Linear) -> bool:
    return not is_lazy(down.weight) and not is_lazy(up.weight)


def _adapter(key: str, down: nn.Linear, up: nn.Linear) -> Adapter:
    params = sum(p.numel() for m in (down, up) for p in m.parameters())
    a_shape, b_shape = tuple(down.weight.shape), tuple(up.weight.shape)
    return Adapter(key, int(a_shape[0]), a_shape, b_shape, params)


def _row(owner: str, module: nn.Module, param_name: str, weight: torch.Tensor, use: Use) -> MapRow:
    params = own_parameters(module)
    if isinstance(module, nn.MultiheadAttention) and param_name == "in_proj_weight":
        bias = params["in_proj_bias"]
        return MapRow(_dotted(owner, "in_proj"), PACKED, module, owner, weight, bias, use)
    name = owner if param_name == "weight" else _dotted(owner, param_name)
    if weight.ndim >= 3:
        return MapRow(name, EXPERTS, module, owner, weight, None, use)
    bias = params.get("bias") if param_name == "weight" else None
    if bias is not None and bias.shape != (applied_sizes(weight, use)[1],):
        bias = None
    kind = MODULE if use.module == owner else FUNCTIONAL
    return MapRow(name, kind, module, owner, weight, bias, use)


def applied_sizes(weight: torch.Tensor, use: Use) -> tuple[int, int]:
    """(in_features, out_features) of each matrix of ``weight``, from the side it was
    applied from: kept (out, in) as nn.Linear keeps it, or (in, out)."""
    rows, columns = int(weight.shape[-2]), int(weight.shape[-1])
    return (rows, columns) if use.stored_in_out else (columns, rows)


def is_quantized_linear(module: nn.Module) -> bool:
    """A Linear of torch.ao's quantized modules: weight() and bias() read its packed values."""
    return isinstance(module, _quantized_linear())


@functools.cache
def _quantized_linear() -> type[nn.Module]:
    from torch.ao.nn.quantized import Linear as QuantizedLinear

    return QuantizedLinear


def quantized_values(module: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None, str]:
    """A quantized Linear's weight as it computes (dequantized: a copy; such models are
    small), its bias, and the dtype it is packed in. Unpacking makes a quantized tensor,
    which torch warns about: that is torch's business, not the user's."""
    packed: Any = module
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weight = packed.weight()
        bias = packed.bias()
    return weight.dequantize(), bias, str(weight.dtype).removeprefix("torch.")


def own_parameters(module: nn.Module) -> dict[str, torch.Tensor | None]:
    """The parameters a module registered itself (a TorchScript module's too)."""
    return dict(module._parameters.items())


def _dotted(owner: str, name: str) -> str:
    return name if owner == ROOT_NAME else f"{owner}.{name}"


def numel(param: torch.Tensor) -> int:
    return 0 if is_lazy(param) else param.numel()


def features(module: nn.Linear) -> tuple[int, int]:
    """(in_features, out_features) as the weight has them: (out, in) is what runs.

    A subclass may keep other things in its ``in_features`` attribute; the weight's
    shape cannot lie. A LazyLinear before its first call has only out_features (in: 0).
    """
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor) and not is_lazy(weight) and weight.ndim == 2:
        return int(weight.shape[1]), int(weight.shape[0])
    in_features, out_features = getattr(module, "in_features", 0), module.out_features
    return (
        in_features if isinstance(in_features, int) else 0,
        out_features if isinstance(out_features, int) else 0,
    )
