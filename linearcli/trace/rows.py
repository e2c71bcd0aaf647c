"""A linear map's row as the trace reports it: sizes as applied, the calls the hooks
saw (or who applied it without one), parameters, values, the modules sharing it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from linearcli.records import (
    EXPERTS,
    LINEAR,
    MODULE,
    PACKED,
    QUANTIZED,
    LinearCall,
    LinearRecord,
    MapUse,
    Stats,
)
from linearcli.trace.maps import MapRow, applied_sizes, features, numel


class Seen(Protocol):
    """What the hooks saw of each module: its calls, whether it was called, its class as
    built (a LazyLinear is a Linear once it ran)."""

    calls: dict[int, list[LinearCall]]
    called: set[int]
    type_names: dict[int, str]
    rectified: set[str]  # Linears a ReLU read the output of


def record(
    row: MapRow,
    seen: Seen,
    stats: tuple[Stats | None, Stats | None],
    holders: list[str],
    uses: Sequence[MapUse] = (),
    *,
    train_only: bool = False,
) -> LinearRecord:
    """The row as the trace reports it: sizes as applied, calls the hooks saw (or who
    applied it without one), parameters, values, the other modules holding its weight."""
    module, use = row.owner, row.use
    type_name = row.type_name or seen.type_names.get(id(module)) or _type_name(module)
    in_features, out_features = _sizes(row)
    calls: list[LinearCall] = []
    used_by = None
    if row.kind in (LINEAR, QUANTIZED) or (row.kind == MODULE and row.name == row.owner_name):
        calls = seen.calls.get(id(module), [])
    if not calls and use is not None and id(module) not in seen.called:
        used_by = use.module  # applied without a call of its own that hooks could see
    if row.kind == LINEAR:
        params = sum(numel(p) for p in module.parameters()) + sum(a.params for a in row.adapters)
    else:
        params = sum(numel(p) for p in (row.weight, row.bias) if p is not None)
    stored = () if is_lazy(row.weight) else tuple(row.weight.shape)
    transposed = use is not None and use.stored_in_out
    return LinearRecord(
        name=row.name,
        type_name=type_name,
        in_features=in_features,
        out_features=out_features,
        weight_shape=(out_features, in_features),
        bias_shape=None if row.bias is None else (out_features,),
        params=params,
        weight_stats=stats[0],
        bias_stats=stats[1],
        calls=tuple(calls),
        used_by=used_by,
        kind=row.kind,
        tied_to=tuple(holder for holder in holders if holder != row.owner_name),
        stored_shape=stored if transposed or row.kind == EXPERTS else None,
        stored_in_out=transposed,
        owner=row.owner_name if row.owner_name != row.name else None,
        adapters=row.adapters,
        uses=tuple(uses),
        train_only=train_only,
        rectified=row.name in seen.rectified,
    )


def _sizes(row: MapRow) -> tuple[int, int]:
    """(in_features, out_features) of one map: a Linear's from its weight; another's from
    the weight as kept and the side it was applied from; q, k and v packed: E -> 3E."""
    if row.kind == LINEAR:
        return features(cast(nn.Linear, row.owner))
    if row.kind == QUANTIZED:
        return int(row.weight.shape[1]), int(row.weight.shape[0])
    if row.kind == PACKED:
        embed = int(row.weight.shape[-1])
        return embed, int(row.weight.shape[0])
    assert row.use is not None  # every row but a Linear's comes from a use
    return applied_sizes(row.weight, row.use)


def _type_name(module: nn.Module) -> str:
    """The class; a TorchScript module by the class it was scripted from."""
    original = getattr(module, "original_name", None)
    if isinstance(module, torch.jit.ScriptModule) and isinstance(original, str):
        return f"{original} (TorchScript)"
    return type(module).__name__
