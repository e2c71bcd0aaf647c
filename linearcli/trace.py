"""Run one sample batch through the model and record what every nn.Linear saw.

Hooks are put on every module in one place and removed in ``finally``, and every
module's train/eval mode is restored, so the model is left as it was found (lazy
modules aside: running them is what materialises them). Deciding what is wrong is
diagnose's job; this module only records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import UninitializedParameter

ROOT_NAME = "(model)"
# Modules that use a child Linear's weight directly instead of calling it.
_FUNCTIONAL_OWNERS = (nn.MultiheadAttention,)


@dataclass(frozen=True)
class LinearCall:
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None  # None: the call raised


@dataclass(frozen=True)
class LinearRecord:
    name: str
    type_name: str  # as built: a LazyLinear turns into a Linear when it first runs
    in_features: int  # 0 for a LazyLinear that never ran
    out_features: int
    weight_shape: tuple[int, ...]
    bias_shape: tuple[int, ...] | None
    params: int
    weight_range: tuple[float, float] | None  # None where there are no values (meta, lazy)
    calls: tuple[LinearCall, ...]
    used_by: str | None  # the enclosing module that uses this weight without calling it


@dataclass(frozen=True)
class ForwardFailure:
    module: str  # the innermost module running when it raised
    module_type: str
    exception_type: str
    message: str


@dataclass(frozen=True)
class Trace:
    linears: tuple[LinearRecord, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...] | None
    failure: ForwardFailure | None
    params: int
    trainable_params: int
    linear_params: int
    param_bytes: int
    device: str
    dtype: str


def trace(model: nn.Module, inputs: tuple[Any, ...]) -> Trace:
    named = [(name or ROOT_NAME, module) for name, module in model.named_modules()]
    names = {id(module): name for name, module in named}
    linears = [(name, module) for name, module in named if isinstance(module, nn.Linear)]
    type_names = {id(module): type(module).__name__ for _, module in linears}
    calls: dict[int, list[LinearCall]] = {id(module): [] for _, module in linears}
    called: set[int] = set()

    def before(module: nn.Module, args: tuple[Any, ...]) -> None:
        called.add(id(module))
        if id(module) in calls:
            calls[id(module)].append(LinearCall(_shape(args[0] if args else None), None))

    def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        last = calls[id(module)][-1]
        calls[id(module)][-1] = LinearCall(last.input_shape, _shape(output))

    modes = [(module, module.training) for _, module in named]
    handles = []
    output: Any = None
    failure = None
    try:
        for _, module in named:
            handles.append(module.register_forward_pre_hook(before))
        for _, module in linears:
            handles.append(module.register_forward_hook(after))
        model.eval()
        with torch.no_grad():
            try:
                output = model(*inputs)
            except Exception as exc:
                culprit = _innermost_module(exc, names) or model
                failure = ForwardFailure(
                    module=names.get(id(culprit), ROOT_NAME),
                    module_type=type(culprit).__name__,
                    exception_type=type(exc).__name__,
                    message=str(exc).strip(),
                )
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training

    parents = dict(_parents(named))
    records = tuple(
        _record(
            name,
            module,
            type_names[id(module)],
            calls[id(module)],
            _used_by(module, parents, called, names),
        )
        for name, module in linears
    )
    params = list(model.parameters())
    linear_param_ids = {id(p) for _, module in linears for p in module.parameters()}
    return Trace(
        linears=records,
        input_shapes=tuple(s for s in (_shape(x) for x in inputs) if s is not None),
        output_shape=_shape(_first_tensor(output)),
        failure=failure,
        params=sum(_numel(p) for p in params),
        trainable_params=sum(_numel(p) for p in params if p.requires_grad),
        linear_params=sum(_numel(p) for p in params if id(p) in linear_param_ids),
        param_bytes=sum(_nbytes(p) for p in params),
        device=str(_device(params, inputs)),
        dtype=str(
            next((p.dtype for p in params if p.is_floating_point()), torch.float32)
        ).removeprefix("torch."),
    )


def _record(
    name: str, module: nn.Linear, type_name: str, calls: list[LinearCall], used_by: str | None
) -> LinearRecord:
    weight = module.weight
    lazy = isinstance(weight, UninitializedParameter)
    bias = module.bias
    weight_range = None
    if not lazy and weight.device.type != "meta" and weight.numel() > 0:
        low, high = torch.aminmax(weight.detach().float())
        weight_range = (float(low), float(high))
    return LinearRecord(
        name=name,
        type_name=type_name,
        in_features=module.in_features,
        out_features=module.out_features,
        weight_shape=(module.out_features, module.in_features) if lazy else tuple(weight.shape),
        bias_shape=None if bias is None else (module.out_features,),
        params=sum(_numel(p) for p in module.parameters()),
        weight_range=weight_range,
        calls=tuple(calls),
        used_by=used_by,
    )


def _parents(named: list[tuple[str, nn.Module]]) -> Iterator[tuple[int, nn.Module]]:
    for _, module in named:
        for child in module.children():
            yield id(child), module


def _used_by(
    module: nn.Module, parents: dict[int, nn.Module], called: set[int], names: dict[int, str]
) -> str | None:
    parent = parents.get(id(module))
    if isinstance(parent, _FUNCTIONAL_OWNERS) and id(parent) in called and id(module) not in called:
        return names[id(parent)]
    return None


def _innermost_module(exc: BaseException, names: dict[int, str]) -> nn.Module | None:
    """The deepest module of this model whose code is on the exception's traceback.

    The traceback is the truth even where the model caught an earlier exception itself,
    which would leave any enter/exit bookkeeping unbalanced.
    """
    found = None
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, nn.Module) and id(owner) in names:
            found = owner
        tb = tb.tb_next
    return found


def _numel(param: torch.Tensor) -> int:
    return 0 if isinstance(param, UninitializedParameter) else param.numel()


def _nbytes(param: torch.Tensor) -> int:
    return 0 if isinstance(param, UninitializedParameter) else param.numel() * param.element_size()


def _shape(value: Any) -> tuple[int, ...] | None:
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def _first_tensor(value: Any) -> torch.Tensor | None:
    """The first tensor in a model's output: a tensor, a tuple, a dict or a ModelOutput."""
    if isinstance(value, torch.Tensor):
        return value
    items = (
        value.values()
        if isinstance(value, dict)
        else value
        if isinstance(value, list | tuple)
        else ()
    )
    for item in items:
        found = _first_tensor(item)
        if found is not None:
            return found
    return None


def _device(params: Sequence[torch.Tensor], inputs: tuple[Any, ...]) -> torch.device:
    for tensor in [*params, *inputs]:
        if isinstance(tensor, torch.Tensor):
            return tensor.device
    return torch.device("cpu")
