"""Run one sample batch through the model and record what every nn.Linear saw.

Hooks are put on every module in one place and removed in ``finally``, and every
module's train/eval mode is restored, so the model is left as it was found (lazy
modules aside: running them is what materialises them). Hooks on the modules, not
global ones: torch's fast paths (TransformerEncoderLayer in eval) skip their
submodules unless a submodule has hooks. A Linear whose input has the wrong last axis
is given one of the right shape, so that every later layer is still checked; deciding
what is wrong, and how to say so, is diagnose's job.
"""

from __future__ import annotations

import dataclasses
import math
import traceback
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from linearcli import maps, weight_uses
from linearcli.frames import deepest_user_line
from linearcli.guard import STOPS_THE_RUN, exit_message
from linearcli.records import (
    EXPERTS,
    LINEAR,
    MODULE,
    PACKED,
    QUANTIZED,
    ROOT_NAME,
    ForwardFailure,
    LinearCall,
    LinearRecord,
    Producer,
    Shape,
    Stats,
    Trace,
)
from linearcli.restore import undone_afterwards
from linearcli.stats import weight_stats
from linearcli.weight_uses import WeightUses

_OUTPUT_DEPTH = 8  # nesting of tuples and dicts in a model's output, followed this deep
MODEL_INPUT = Producer(name=None, type_name="input")
# Modules whose output is a spatial feature map (batch, channels, *positions).
_FEATURE_MAP_MAKERS: tuple[type[nn.Module], ...] = (
    nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
    nn.LPPool1d, nn.LPPool2d, nn.FractionalMaxPool2d, nn.FractionalMaxPool3d,
    nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
    nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle,
)  # fmt: skip


def trace(model: nn.Module, inputs: tuple[Any, ...], *, mode: str = "eval") -> Trace:
    recorder = _Recorder(model)
    uses = WeightUses(maps.watched(recorder.named), recorder.names)
    quiet = weight_uses.quiet_modules(m for _, m in recorder.named)
    with undone_afterwards(model), uses.quiet_inside(quiet):
        output, failure = recorder.run(model, inputs, training=mode == "train")
    rows = maps.map_rows(recorder.named, uses.used)
    stats = iter(weight_stats([p for row in rows for p in (row.weight, row.bias)]))
    holders = defaultdict(list)  # id(parameter) -> the modules holding it as their own
    for name, module in recorder.named:
        for param in maps.own_parameters(module).values():
            holders[id(param)].append(name)
    records = tuple(
        _record(row, recorder, (next(stats), next(stats)), holders[id(row.weight)]) for row in rows
    )
    params = list(model.parameters())
    sized = [(p, _numel(p)) for p in params]
    linear_ids = {id(p) for _, m in recorder.linears for p in m.parameters()}
    # Every row's tensors, each once: parameters, and a quantized Linear's packed values.
    map_tensors: dict[int, torch.Tensor] = {
        id(p): p for _, m in recorder.linears for p in m.parameters()
    }
    map_tensors |= {id(p): p for row in rows for p in (row.weight, row.bias) if p is not None}
    return Trace(
        linears=records,
        input_shapes=tuple(s for s in (_shape(x) for x in inputs) if s is not None),
        output_shape=_shape(_first_tensor(output)),
        outputs=tuple(_named_tensors(output, "")),
        failure=failure,
        params=sum(n for _, n in sized),
        trainable_params=sum(n for p, n in sized if p.requires_grad),
        linear_params=sum(n for p, n in sized if id(p) in linear_ids),
        linear_map_params=sum(_numel(p) for p in map_tensors.values()),
        param_bytes=sum(n * p.element_size() for p, n in sized if n),  # n is 0: lazy
        device=str(_device(params, inputs)),
        dtype=str(
            next((p.dtype for p in params if p.is_floating_point()), torch.float32)
        ).removeprefix("torch."),
    )


class _Recorder:
    """The hooks' shared state for one forward pass."""

    def __init__(self, model: nn.Module):
        self.named = [(name or ROOT_NAME, module) for name, module in model.named_modules()]
        self.names = {id(module): name for name, module in self.named}
        self.linears = [(name, m) for name, m in self.named if isinstance(m, nn.Linear)]
        # Every Linear's calls, and those of each module outside torch.nn holding a
        # ``weight`` matrix (transformers' Conv1D), kept if its forward applies it.
        owners = [m for _, m in self.linears] + [
            m
            for _, m in self.named
            if maps.is_quantized_linear(m)
            or not type(m).__module__.startswith("torch.")
            and weight_uses.is_matrix(maps.own_parameters(m).get("weight"))
        ]
        self.type_names = {id(module): type(module).__name__ for module in owners}  # as built
        self.calls: dict[int, list[LinearCall]] = {id(module): [] for module in owners}
        self.called: set[int] = set()
        # Asked of every module on every call, so answered once here.
        self.leaves = {id(m) for _, m in self.named if not any(True for _ in m.children())}
        self.map_makers = {id(m) for _, m in self.named if isinstance(m, _FEATURE_MAP_MAKERS)}
        self.producers: dict[int, Producer] = {}  # made after a module runs: LazyLinear
        # id(tensor) -> (weak reference, who made it, is it a feature map); the weak
        # reference tells a live entry from a freed tensor whose id was reused.
        self.origins: dict[int, tuple[weakref.ref[torch.Tensor], Producer, bool]] = {}
        self.last_leaf: tuple[Producer, Shape, bool] | None = None
        self.recovered = False

    def run(
        self, model: nn.Module, inputs: tuple[Any, ...], *, training: bool = False
    ) -> tuple[Any, ForwardFailure | None]:
        for x in inputs:
            if isinstance(x, torch.Tensor):
                self.note(x, MODEL_INPUT, feature_map=False)
        modes = [(module, module.training) for _, module in self.named]
        handles = []
        try:
            for _, module in self.named:
                if isinstance(module, torch.jit.ScriptModule):
                    continue  # TorchScript modules take no Python hooks; their parent's do
                if isinstance(module, nn.Linear):
                    handles.append(module.register_forward_pre_hook(self.before))
                handles.append(module.register_forward_hook(self.after))
            model.train(training)
            with torch.no_grad():
                try:
                    return model(*inputs), None
                except STOPS_THE_RUN:
                    raise
                except BaseException as exc:  # sys.exit(), GeneratorExit in a forward() too
                    return None, self.failure(exc, model)
        finally:
            for handle in handles:
                handle.remove()
            for module, training in modes:
                module.training = training

    def before(self, module: nn.Linear, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        self.called.add(id(module))
        x = args[0] if args else None
        if not isinstance(x, torch.Tensor):
            self.calls[id(module)].append(LinearCall(None, None, after_recovery=self.recovered))
            return None
        producer, feature_map = self.origin(x)
        self.calls[id(module)].append(
            LinearCall(tuple(x.shape), None, producer, feature_map, after_recovery=self.recovered)
        )
        # Checked before the Linear runs: it still sees the unflattened input, and the
        # finding is the same on every device.
        in_features = features(module)[0]
        if in_features > 0 and x.ndim >= 1 and x.shape[-1] != in_features:
            self.recovered = True
            return (_repaired(x, in_features, feature_map), *args[1:])
        return None

    def after(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        x = args[0] if args and isinstance(args[0], torch.Tensor) else None
        if id(module) in self.calls:
            self.called_back(module, x, output)
        made = _first_tensor(output)  # attention and Hugging Face blocks return tuples
        if made is None:
            return
        leaf = id(module) in self.leaves
        makes_maps = id(module) in self.map_makers
        producer: Producer | None
        if leaf and x is not None and x.shape == made.shape and id(module) not in self.calls:
            # ReLU, Dropout, LayerNorm...: the size was decided upstream, so credit that module.
            producer, feature_map = self.origin(x)
            feature_map = feature_map or makes_maps
        else:
            producer, feature_map = None, makes_maps
        if producer is None:
            producer = self.produced_by(module)
        self.note(made, producer, feature_map=feature_map)
        if leaf:
            self.last_leaf = (producer, tuple(made.shape), feature_map)

    def called_back(self, module: nn.Module, x: torch.Tensor | None, output: Any) -> None:
        """A Linear's call gets its output; another matrix owner's call is recorded whole."""
        calls = self.calls[id(module)]
        if isinstance(module, nn.Linear):
            calls[-1] = dataclasses.replace(calls[-1], output_shape=_shape(output))
            return
        producer, feature_map = self.origin(x) if x is not None else (None, False)
        calls.append(LinearCall(_shape(x), _shape(output), producer, feature_map, self.recovered))

    def produced_by(self, module: nn.Module) -> Producer:
        producer = self.producers.get(id(module))
        if producer is None:
            sizes = features(module) if isinstance(module, nn.Linear) else None
            producer = Producer(self.names[id(module)], type(module).__name__, sizes)
            self.producers[id(module)] = producer
        return producer

    def note(self, tensor: torch.Tensor, producer: Producer, *, feature_map: bool) -> None:
        known = self.origins.get(id(tensor))
        if known is not None and known[0]() is tensor:
            return  # the innermost module made it; its container only passes it on
        self.origins[id(tensor)] = (weakref.ref(tensor), producer, feature_map)

    def origin(self, x: torch.Tensor) -> tuple[Producer | None, bool]:
        known = self.origins.get(id(x))
        if known is not None and known[0]() is x:
            return known[1], known[2]
        if self.last_leaf is not None:
            # Made by code in a forward() (torch.sigmoid, x.view): credit the last module that ran.
            producer, shape, feature_map = self.last_leaf
            return producer, feature_map and shape == tuple(x.shape)
        return None, False

    def failure(self, exc: BaseException, model: nn.Module) -> ForwardFailure:
        culprit = _innermost_module(exc, self.names) or model
        failure = ForwardFailure(
            module=self.names.get(id(culprit), ROOT_NAME),
            module_type=type(culprit).__name__,
            exception_type=type(exc).__name__,
            message=printable(exc).strip(),
            after_recovery=self.recovered,
            location=deepest_user_line(exc.__traceback__),
            traceback="".join(traceback.format_exception(exc)),
        )
        # Reading the frames' locals (_innermost_module) ties the traceback, and with it
        # the model and its activations, into a reference cycle; cut it so that memory
        # goes now, not at the garbage collector's next full pass.
        exc.__traceback__ = None
        return failure


def _repaired(x: torch.Tensor, in_features: int, feature_map: bool) -> torch.Tensor:
    """An input the Linear accepts: the flattened tensor where that fits, else zeros."""
    if x.ndim >= 3 and math.prod(x.shape[1:]) == in_features:
        return x.flatten(1)
    shape = (
        (x.shape[0], in_features) if x.ndim >= 3 and feature_map else (*x.shape[:-1], in_features)
    )
    return torch.zeros(shape, dtype=x.dtype, device=x.device)


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


def printable(exc: BaseException) -> str:
    """An exception's text, even when its __str__ raises (user code can do anything)."""
    if isinstance(exc, SystemExit):
        return f"the spec called {exit_message(exc)}"
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} whose message could not be read>"


def _record(
    row: maps.MapRow,
    recorder: _Recorder,
    stats: tuple[Stats | None, Stats | None],
    holders: list[str],
) -> LinearRecord:
    module, use = row.owner, row.use
    type_name = recorder.type_names.get(id(module))
    if type_name is None or row.kind == QUANTIZED:
        type_name = _type_name(module)
    in_features, out_features = _sizes(row)
    calls: list[LinearCall] = []
    used_by = None
    if row.kind in (LINEAR, QUANTIZED) or (row.kind == MODULE and row.name == row.owner_name):
        calls = recorder.calls.get(id(module), [])
    if not calls and use is not None and id(module) not in recorder.called:
        used_by = use.module  # applied without a call of its own that hooks could see
    if row.kind == LINEAR:
        params = sum(_numel(p) for p in module.parameters()) + sum(a.params for a in row.adapters)
    else:
        params = sum(_numel(p) for p in (row.weight, row.bias) if p is not None)
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
    )


def _sizes(row: maps.MapRow) -> tuple[int, int]:
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
    rows, columns = int(row.weight.shape[-2]), int(row.weight.shape[-1])
    return (rows, columns) if row.use.stored_in_out else (columns, rows)


def _type_name(module: nn.Module) -> str:
    """The class; a TorchScript module by the class it was scripted from."""
    original = getattr(module, "original_name", None)
    if isinstance(module, torch.jit.ScriptModule) and isinstance(original, str):
        return f"{original} (TorchScript)"
    if maps.is_quantized_linear(module):
        name: Any = module._get_name
        return f"{name()} ({maps.quantized_values(module)[2]})"
    return type(module).__name__


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
    return 0 if is_lazy(param) else param.numel()


def _shape(value: Any) -> Shape | None:
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


def _named_tensors(value: Any, place: str, depth: int = 0) -> Iterator[tuple[str, Shape]]:
    """Every tensor in a model's output with its place: a key, an index, or a dotted path
    through nested tuples, lists, dicts and ModelOutputs ("" for a lone tensor)."""
    if isinstance(value, torch.Tensor):
        yield place, tuple(value.shape)
        return
    if depth > _OUTPUT_DEPTH:
        return
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield from _named_tensors(item, f"{place}.{key}" if place else str(key), depth + 1)


def _device(params: Sequence[torch.Tensor], inputs: tuple[Any, ...]) -> torch.device:
    for tensor in [*params, *inputs]:
        if isinstance(tensor, torch.Tensor):
            return tensor.device
    return torch.device("cpu")
