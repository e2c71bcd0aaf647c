"""Whether the samples of the batch stay apart: a check on values for silent mistakes.

``x.mean(dim=0)`` where ``dim=1`` was meant, an LSTM without ``batch_first`` given
(batch, time, features): nothing raises, the shapes look plausible, and every output
mixes the samples of the batch. Shapes cannot tell a batch from a time axis; values can.
Sample 0 of each batched input is changed (a float input by +1, an integer or boolean
one rolled along its last axis) and the model run again: a change kept within sample
0's slice of an axis that is a multiple of the batch (index 0, or the first k rows of k x
batch) keeps the samples apart. Where the outputs mix, the two passes run once more,
every call into torch compared with its twin: the first call whose output mixes, none
of its inputs having mixed, is where the samples met.

linearcli takes the input's first axis as the batch. A model that is time-major on
purpose reads it as time, so the check is asked only where that reading is unlikely: on
real values, after a pass that ran without failure or correction, with a batch of 2 or
more, when no returned tensor has the batch as its first axis (a classifier's (B,
classes), a language model's (B, T, V)) and the model returns more than scalars, and,
for a sequence or a table, (A, B) or (A, B, F), only when A is smaller than B (example
batches are small; a (T, B) input has its sequence first). Both passes draw the same
random numbers; what the model keeps between passes is put back. Said only for the
calls whose fix linearcli knows: a reduction of the batch axis that leaves one row per
item ((B, N, C) -> (N, C)), a recurrent layer reading the batch as time. A concatenation
along the batch (two views for a contrastive loss, real and generated images for a
discriminator) keeps each row one sample's, and is not said.
"""

from __future__ import annotations

import linecache
import sys
import weakref
from contextlib import nullcontext
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from linearcli.frames import location, nearest_user_frame
from linearcli.records import ROOT_NAME, Made, SampleMix
from linearcli.restore import quiet_pass
from linearcli.trace.batch import Inputs, dense, input_tensors, sample_batch
from linearcli.trace.ops import forward_owner
from linearcli.trace.outputs import is_dense

_CAP = 256 * 2**20  # bytes of outputs kept from the first pass for the comparison
# Calls whose mixing linearcli can fix: reductions over the batch, recurrent layers run
# on the wrong axis.
_REDUCTIONS = frozenset(
    {"mean", "sum", "max", "min", "amax", "amin", "prod", "std", "var", "median",
     "logsumexp", "norm", "nanmean", "nansum"}
)  # fmt: skip
_RECURRENT = frozenset({"lstm", "gru", "rnn_tanh", "rnn_relu"})
_MIXED = "mixed"
_INPUT = Made("input", None, "")


def samples_mixed(model: nn.Module, inputs: Inputs, output: Any) -> SampleMix | None:
    """The call where the samples of the batch met, if the model's outputs mix them."""
    batch = sample_batch(inputs)
    tensors = list(input_tensors(inputs))
    if batch is None or batch < 2 or not tensors or tensors[0].is_meta:
        return None
    first = tensors[0]
    if first.ndim in (2, 3) and first.shape[0] >= first.shape[1]:
        return None  # (T, B) as much as (B, T): the batch may be the second axis
    shapes = [tuple(t.shape) for t in dense((output,)) if t.ndim]
    if not shapes or any(shape[0] == batch for shape in shapes):
        return None  # only a loss (scalars), or an output with the batch first
    changed = _changed(inputs, batch)
    if changed is None or not _outputs_mix(model, inputs, changed, batch):
        return None
    modules = {id(m): name or ROOT_NAME for name, m in model.named_modules()}
    kept = _Calls(modules, batch)
    if not _run(model, inputs, kept) or kept.full:
        return None
    compared = _Calls(modules, batch, reference=kept.outputs)
    compared.seed(input_tensors(changed))
    return compared.mixed if _run(model, changed, compared) else None


def _outputs_mix(model: nn.Module, inputs: Inputs, changed: Inputs, batch: int) -> bool:
    """Whether a returned tensor mixes the samples: two plain passes, before any trace."""
    before: list[torch.Tensor] = []
    after: list[torch.Tensor] = []
    if not (_run(model, inputs, None, before) and _run(model, changed, None, after)):
        return False
    return any(
        b.shape == a.shape and _status(a, b, batch) == _MIXED
        for a, b in zip(after, before, strict=False)
    )


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

    def seed(self, tensors: Any) -> None:
        """The changed inputs: their batch is their first axis."""
        for tensor in tensors:
            self.status[id(tensor)] = (weakref.ref(tensor), 0, _INPUT)

    def __torch_function__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        made = next(dense((out,)), None)  # a tensor, or torch.max's values, an LSTM's output
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
        inputs = list(dense((*args, *kwargs.values())))
        if status != _MIXED or any(self._of(a) == _MIXED for a in inputs):
            return
        source = inputs[0] if inputs else None
        if source is None or name not in _REDUCTIONS | _RECURRENT:
            return
        if name in _REDUCTIONS and not (made.ndim >= 2 and made.shape == source.shape[1:]):
            return  # pooling a set or a graph into one vector is what it is for
        axis = self._of(source)
        self.mixed = SampleMix(
            made=call,
            module=forward_owner(frame, self.modules),
            input_shape=tuple(source.shape),
            output_shape=tuple(made.shape),
            batch=self.batch,
            batch_axis=axis if isinstance(axis, int) else None,
            input_made=self._made_by(source),
        )

    def _of(self, tensor: torch.Tensor) -> int | str | None:
        known = self.status.get(id(tensor))
        return known[1] if known is not None and known[0]() is tensor else None

    def _made_by(self, tensor: torch.Tensor) -> Made | None:
        known = self.status.get(id(tensor))
        return known[2] if known is not None and known[0]() is tensor else None


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


def _run(
    model: nn.Module,
    inputs: Inputs,
    calls: _Calls | None,
    returned: list[torch.Tensor] | None = None,
) -> bool:
    """The pass (under ``calls``), in eval mode, drawing the same random numbers each time
    on every device it uses, the model left as it was; False if it raised. ``returned``
    gets the tensors it returned."""
    args, keywords = inputs
    cuda = sorted({x.device.index or 0 for x in input_tensors(inputs) if x.is_cuda})
    try:
        with quiet_pass(model), torch.random.fork_rng(devices=cuda):
            torch.manual_seed(0)
            with calls if calls is not None else nullcontext():
                output = model(*args, **keywords)
            if returned is not None:
                returned.extend(dense((output,)))
    except Exception:  # the changed sample broke it: nothing to say
        return False
    return True


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


def _made(frame: FrameType | None, name: str) -> Made:
    """The call ``name``, at the nearest user line from ``frame`` outwards."""
    user = nearest_user_frame(frame)
    if user is None:
        return Made(name, None, "")
    filename, number = user.f_code.co_filename, user.f_lineno
    return Made(name, location(filename, number), linecache.getline(filename, number).strip())
