"""Where the samples were mixed: a reshape that dealt a batch out into rows that are not
one sample's each.

``x.view(-1, 320)`` on maps of 400 values per image gives 5 rows for 4 images, every
row holding parts of two; nothing raises, and the loss is computed against the wrong
rows. Such a fold is said where its rows are not a whole multiple of the batch (they
cannot keep samples apart, whatever the model means by its axes), or where it folds an
image's channels into the batch ((B, C, H, W) -> (B * C, H * W): RGB images into an MLP
written for grey ones). A batch-major flatten of a sequence (``logits.view(-1,
vocab)``: one row per token of each sample, (B * T) rows) keeps them apart and is not a
mistake. Reductions over the batch are asked on values (samples.py): shapes cannot tell
a batch from a sequence-first axis.

Asked only when the pass ran and no tensor the model returned has the batch as its
first axis. A second look then runs the batch as it was and once more doubled (every
size that divided the first pass's values divides these), on meta stand-ins of the
parameters and buffers, in eval mode, with the module attributes, random generators and
hooks as they were afterwards, recording every tensor operation with the user's line
that made it. An axis sized B, then 2B, is the batch: the last operation whose input has
it and whose output has none is where it went, unless a later output has it again
(attention folds batch and heads together and unfolds them). Nothing is said where a
pass fails (the meta device lacks a value or a kernel) or the two run different
operations before that point.

A batch of one is asked another question (``batch_dropped``): the same second look with
one sample and with two finds a ``squeeze()`` without an axis whose output has fewer
axes with one: it takes the batch axis too. ``squeeze(0)`` names its axis and is meant.

``sample_batch``, ``input_tensors`` and ``dense`` are shared with samples.py.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from linearcli.frames import calling_user_line
from linearcli.memory import meta_inputs, meta_stand_ins
from linearcli.records import BatchDrop, BatchLoss, Shape
from linearcli.restore import quiet_pass
from linearcli.trace.outputs import is_dense, named_tensors

Op = tuple[str, str | None, Shape, Shape]  # name, line, input shape, output shape
Inputs = tuple[tuple[Any, ...], dict[str, Any]]
_RESHAPES = frozenset({"view", "_unsafe_view", "reshape", "_reshape_alias"})
_LINED = _RESHAPES | {"squeeze"}  # operations whose user line is recorded


def batch_lost(model: nn.Module, inputs: Inputs, output: Any) -> BatchLoss | None:
    """The reshape that mixed the samples, if no returned tensor keeps them apart."""
    batch = sample_batch(inputs)
    if batch is None or batch < 2 or not _mixed(output, batch):
        return None
    first = _operations(model, inputs, batch, batch)
    second = _operations(model, inputs, batch, 2 * batch)
    if first is None or second is None:
        return None
    return _loss(first, second, batch)


def batch_dropped(model: nn.Module, inputs: Inputs) -> BatchDrop | None:
    """With a batch of one, the first operation whose output has fewer axes than the same
    operation's with two samples, its input having as many: ``x.squeeze()`` on (1, 1)
    gives (), on (2, 1) gives (2,). Asked only of a batch of one."""
    if sample_batch(inputs) != 1:
        return None
    one = _operations(model, inputs, 1, 1)
    two = _operations(model, inputs, 1, 2)
    if one is None or two is None:
        return None
    for (name, line, in_one, out_one), (other, _, in_two, out_two) in zip(one, two, strict=False):
        if name != other:
            return None  # the passes part ways: nothing to compare
        if name == "squeeze" and len(in_one) == len(in_two) and len(out_one) < len(out_two):
            return BatchDrop(name, line, (in_one, out_one), (in_two, out_two))
    return None


def sample_batch(inputs: Inputs) -> int | None:
    """The sample batch: the first axis the tensor inputs share."""
    sizes = {x.shape[0] for x in input_tensors(inputs) if x.ndim >= 1}
    return sizes.pop() if len(sizes) == 1 else None


def _mixed(output: Any, batch: int) -> bool:
    """No returned tensor has the batch as its first axis (scalars left out: a model may
    return its loss)."""
    shapes = [shape for _, shape in named_tensors(output, "") if shape]
    return bool(shapes) and all(shape[0] != batch for shape in shapes)


def input_tensors(inputs: Inputs) -> Iterator[torch.Tensor]:
    args, keywords = inputs
    for value in (*args, *keywords.values()):
        if is_dense(value):
            yield value


def _operations(model: nn.Module, inputs: Inputs, batch: int, size: int) -> list[Op] | None:
    """Every operation of an eval-mode pass on meta with the batch grown to ``size``;
    None if it fails or cannot be made (a lazy module, a quantized buffer)."""
    stand_ins = meta_stand_ins(model)
    if stand_ins is None:
        return None
    args, keywords = meta_inputs(inputs, batch, size)
    watcher = _Operations()
    try:
        with quiet_pass(model), watcher:
            torch.func.functional_call(model, stand_ins, args, keywords)
    except Exception:  # the meta device lacks a value or a kernel: nothing to say
        return None
    return watcher.ops


class _Operations(TorchDispatchMode):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.ops: list[Op] = []

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        source = next(dense(args), None)
        made = next(dense((out,)), None)
        if source is not None and made is not None:
            name = func.overloadpacket.__name__
            if name == "squeeze" and func._overloadname != "default":
                name = "squeeze.dim"  # an axis asked for by name: squeeze(0) means it
            line = calling_user_line(sys._getframe(1)) if name in _LINED else None
            self.ops.append((name, line, tuple(source.shape), tuple(made.shape)))
        return out


def dense(values: Any) -> Iterator[torch.Tensor]:
    """The dense tensors among the values, those in tuples and lists too."""
    for value in values:
        if is_dense(value):
            yield value
        elif isinstance(value, list | tuple):
            yield from dense(value)


def _has_batch(first: Shape, second: Shape, batch: int) -> bool:
    if len(first) != len(second):
        return False
    return any((a, b) == (batch, 2 * batch) for a, b in zip(first, second, strict=True))


def _loss(first: list[Op], second: list[Op], batch: int) -> BatchLoss | None:
    """The last operation whose input has the batch axis and whose output has none, with
    none after it that has it again; said only if it is a reshape whose rows are not a
    whole number per sample. Where the passes part ways, what came before is compared."""
    found: Op | None = None
    for one, two in zip(first, second, strict=False):
        if one[0] != two[0]:
            break
        if _has_batch(one[3], two[3], batch):
            found = None  # the batch is there (again): not lost here
        elif _has_batch(one[2], two[2], batch):
            found = one
    if found is None:
        return None
    name, line, shape_in, shape_out = found
    if name not in _RESHAPES or not shape_out:
        return None
    # Whole rows per sample are a mistake only where the channels of an image were folded
    # into the batch ((B, C, H, W) -> (B * C, H * W)); a batch-major flatten of a sequence
    # ((B, T, V) -> (B * T, V), one row per token) keeps the samples apart.
    folded = len(shape_in) >= 4 and shape_out == (batch * shape_in[1], math.prod(shape_in[2:]))
    if shape_out[0] % batch == 0 and not folded:
        return None
    return BatchLoss(
        op=name,
        line=line,
        input_shape=shape_in,
        output_shape=shape_out,
        batch=batch,
        per_sample=math.prod(shape_in[1:]),
    )
