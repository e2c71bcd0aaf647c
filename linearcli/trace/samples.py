"""Whether the samples of the batch stay apart: a check on values for silent mistakes.

``x.mean(dim=0)`` where ``dim=1`` was meant, ``torch.cat(steps, dim=0)`` of per-step
outputs, an LSTM without ``batch_first`` given (batch, time, features): nothing raises,
the shapes look plausible, and every output mixes all the samples of the batch. Shapes
cannot tell a batch from a time axis; values can. Sample 0 of each batched input is
changed (a float input by +1, an integer or boolean one rolled along its last axis), the
pass runs again, and each call into torch is compared with the first pass's: a change
kept within sample 0's slice of an axis that is a multiple of the batch (index 0, or the
first k rows of k x batch) keeps the samples apart. The first call whose output mixes,
none of its inputs having mixed, is where the samples met.

Asked only on real values, after a pass that ran without failure or correction, with a
batch of 2 or more, when no tensor the model returned has the batch as its first axis (a
classifier's (B, classes) and a language model's (B, T, V) are not asked) and no reshape
already said so (batch.py). Both passes draw the same random numbers; what the model
keeps between passes is put back. Said only for the calls whose fix linearcli knows: a
reduction of the first axis that leaves one row per item, a concatenation, a recurrent
layer; nothing where the outputs stored for the comparison would pass a memory cap, and
nothing for a model that returns only scalars (a loss).
"""

from __future__ import annotations

import linecache
import sys
import weakref
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from linearcli.frames import location, nearest_user_frame
from linearcli.records import ROOT_NAME, Made, SampleMix
from linearcli.restore import attributes_kept, undone_afterwards
from linearcli.trace.ops import forward_owner
from linearcli.trace.outputs import is_dense, named_tensors

Inputs = tuple[tuple[Any, ...], dict[str, Any]]
_CAP = 256 * 2**20  # bytes of outputs kept from the first pass for the comparison
# Calls whose mixing linearcli can fix: reductions over the batch, concatenations along
# it, recurrent layers run on the wrong axis.
_REDUCTIONS = frozenset(
    {"mean", "sum", "max", "min", "amax", "amin", "prod", "std", "var", "median",
     "logsumexp", "norm", "nanmean", "nansum"}
)  # fmt: skip
_JOINS = frozenset({"cat", "concat", "concatenate", "stack"})
_RECURRENT = frozenset({"lstm", "gru", "rnn_tanh", "rnn_relu"})
_APART, _MIXED = "apart", "mixed"


def samples_mixed(model: nn.Module, inputs: Inputs, output: Any) -> SampleMix | None:
    """The call where the samples of the batch met, if the model's outputs mix them."""
    batch = _batch(inputs)
    if batch is None or batch < 2 or _device(inputs) == "meta":
        return None
    shapes = [shape for _, shape in named_tensors(output, "") if shape]
    if not shapes or any(shape[0] == batch for shape in shapes):
        return None  # only a loss (scalars), or an output with the batch first
    changed = _changed(inputs, batch)
    if changed is None:
        return None
    modules = {id(m): name or ROOT_NAME for name, m in model.named_modules()}
    first = _Calls(modules, batch)
    if not _run(model, inputs, first):
        return None
    second = _Calls(modules, batch, reference=first.outputs)
    if first.full or not _run(model, changed, second):
        return None
    return second.mixed


class _Calls(TorchFunctionMode):
    """Every call's output, kept (the first pass) or compared with the kept (the second)."""

    def __init__(
        self, modules: dict[int, str], batch: int, reference: list[Any] | None = None
    ) -> None:
        super().__init__()
        self.modules, self.batch, self.reference = modules, batch, reference
        self.outputs: list[Any] = []
        self.kept = 0
        self.full = False
        # id(tensor) -> (weak reference, the axis that holds its batch or _MIXED, the call
        # that made it)
        self.status: dict[int, tuple[weakref.ref[torch.Tensor], int | str, Made]] = {}
        self.mixed: SampleMix | None = None
        self.index = 0

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        # a tensor, or the first of a tuple: torch.max's values, an LSTM's output
        made = next(
            (t for t in (out if isinstance(out, tuple | list) else (out,)) if is_dense(t)), None
        )
        if self.reference is None:
            self._keep(made)
        elif self.mixed is None and self.index < len(self.reference):
            self._compare(func, args, kwargs or {}, made, self.reference[self.index])
        self.index += 1
        return out

    def _keep(self, made: torch.Tensor | None) -> None:
        if made is None or self.full:
            self.outputs.append(None)
            return
        self.kept += made.numel() * made.element_size()
        self.full = self.kept > _CAP
        self.outputs.append(None if self.full else made.detach().clone())

    def _compare(
        self,
        func: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        made: torch.Tensor | None,
        before: Any,
    ) -> None:
        if made is None or not isinstance(before, torch.Tensor) or before.shape != made.shape:
            return
        status = _status(made, before, self.batch)
        if status is None:
            return
        name = str(getattr(func, "__name__", ""))
        frame = sys._getframe(2)
        call = _made(frame, name)
        self.status[id(made)] = (weakref.ref(made), status, call)
        # the tensors it took: torch.cat's come in a list
        inputs = [a for a in _flat_all((*args, *kwargs.values())) if isinstance(a, torch.Tensor)]
        if status != _MIXED or any(self._of(a) == _MIXED for a in inputs):
            return
        if name not in _REDUCTIONS | _JOINS | _RECURRENT:
            return
        source = inputs[0] if inputs else None
        if name in _REDUCTIONS and not _per_item(source, made):
            return
        axis = self._of(source) if source is not None else None
        self.mixed = SampleMix(
            made=call,
            module=forward_owner(frame, self.modules),
            input_shape=tuple(source.shape) if source is not None else (),
            inputs=len(inputs),
            output_shape=tuple(made.shape),
            batch=self.batch,
            batch_axis=axis if isinstance(axis, int) else None,
            input_made=self._made_by(source) if source is not None else None,
        )

    def _of(self, tensor: torch.Tensor) -> int | str | None:
        known = self.status.get(id(tensor))
        return known[1] if known is not None and known[0]() is tensor else None

    def _made_by(self, tensor: torch.Tensor) -> Made | None:
        known = self.status.get(id(tensor))
        return known[2] if known is not None and known[0]() is tensor else None


def _per_item(source: torch.Tensor | None, made: torch.Tensor) -> bool:
    """A reduction that took exactly the first axis and left the next one leading, one row
    per word or point: (B, N, C) -> (N, C). Pooling a set or a graph's nodes into one
    vector, (N, C) -> (C,), is what such a model is for, and is not said."""
    return source is not None and made.ndim >= 2 and made.shape == source.shape[1:]


def _status(made: torch.Tensor, before: torch.Tensor, batch: int) -> int | str | None:
    """None: unchanged; else the axis whose sample-0 slice holds every change, or mixed."""
    if made.is_floating_point() or made.is_complex():
        differs = ~torch.isclose(made, before, rtol=1e-4, atol=1e-6, equal_nan=True)
    else:
        differs = made != before
    if not bool(differs.any()):
        return None
    for axis, size in enumerate(made.shape):
        if size >= batch and size % batch == 0:
            along = differs.movedim(axis, 0).reshape(size, -1).any(dim=1)
            if int(along.nonzero().max()) < size // batch:
                return axis
    return _MIXED


def _run(model: nn.Module, inputs: Inputs, calls: _Calls) -> bool:
    """The pass under ``calls``, in eval mode, with the same random numbers each time and
    the model's buffers, attributes and hooks put back; False if it raised."""
    args, keywords = inputs
    modes = [(module, module.training) for module in model.modules()]
    try:
        with (
            undone_afterwards(model),
            attributes_kept(model),
            torch.compiler.set_stance("force_eager"),
            torch.no_grad(),
        ):
            torch.manual_seed(0)
            model.eval()
            with calls:
                model(*args, **keywords)
    except Exception:  # the changed sample broke it: nothing to say
        return False
    finally:
        for module, training in modes:
            module.training = training
    return True


def _batch(inputs: Inputs) -> int | None:
    sizes = {x.shape[0] for x in _tensors(inputs) if x.ndim >= 1}
    return sizes.pop() if len(sizes) == 1 else None


def _device(inputs: Inputs) -> str | None:
    return next((x.device.type for x in _tensors(inputs)), None)


def _changed(inputs: Inputs, batch: int) -> Inputs | None:
    """The inputs with sample 0 of each batched tensor changed; None if none changed."""
    changed_any = False

    def change(value: Any) -> Any:
        nonlocal changed_any
        if not is_dense(value) or value.ndim == 0 or value.shape[0] != batch:
            return value
        copy = value.clone()
        if copy.is_floating_point() or copy.is_complex():
            copy[0] += 1
        elif copy.ndim >= 2:
            copy[0] = copy[0].roll(1, dims=-1)
        changed_any = changed_any or not torch.equal(copy, value)
        return copy

    args, keywords = inputs
    result = tuple(change(x) for x in args), {k: change(v) for k, v in keywords.items()}
    return result if changed_any else None


def _flat(out: Any) -> tuple[Any, ...]:
    return tuple(out) if isinstance(out, tuple | list) else (out,)


def _flat_all(values: tuple[Any, ...]) -> list[Any]:
    """The values, with those of a tuple or list among them in their place."""
    return [item for value in values for item in _flat(value)]


def _tensors(inputs: Inputs) -> list[torch.Tensor]:
    args, keywords = inputs
    return [x for x in (*args, *keywords.values()) if is_dense(x)]


def _made(frame: FrameType | None, name: str) -> Made:
    """The call ``name``, at the nearest user line from ``frame`` outwards."""
    user = nearest_user_frame(frame)
    if user is None:
        return Made(name, None, "")
    filename, number = user.f_code.co_filename, user.f_lineno
    return Made(name, location(filename, number), linecache.getline(filename, number).strip())
