"""Where the batch axis went: the operation that folded, dropped or reduced it.

Asked only when the pass ran and a tensor the model returned does not start with the
batch (``x.view(-1, 320)`` gives 5 rows for 4 images; ``mean(0)`` gives one row for
all; ``squeeze()`` drops a batch of one): a cheap second look, on meta stand-ins of the
parameters and buffers (no values, nothing of the model changed), runs the batch as it
was and once more with twice the samples, and records every tensor operation with the
user's line that made it. An axis that is the batch in both (B, then 2B) is a batch
axis; the last operation whose input has one and whose output has none is where the
batch was lost, unless a later operation has one again (attention folds batch and
heads together and unfolds them: not a loss). Nothing is said where the two passes do
not run the same operations, or a pass needs values the meta device does not have.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from linearcli.frames import display_path, is_user_code
from linearcli.records import BatchLoss, Shape
from linearcli.trace.outputs import is_dense

Op = tuple[str, str | None, Shape, Shape, tuple[Any, ...]]  # name, line, in, out, arguments


def batch_lost(
    model: nn.Module, inputs: tuple[tuple[Any, ...], dict[str, Any]], output: Any
) -> BatchLoss | None:
    """The operation where the batch axis was lost, if a returned tensor lacks it."""
    batch = _batch(inputs)
    if batch is None or not _lacks_batch(output, batch):
        return None
    first = _operations(model, inputs, batch, batch)
    # Twice the batch: every size that divided the first pass's values divides these.
    second = _operations(model, inputs, batch, 2 * batch)
    if first is None or second is None:
        return None
    return _loss(first, second, batch)


def _batch(inputs: tuple[tuple[Any, ...], dict[str, Any]]) -> int | None:
    """The sample batch: the first axis the tensor inputs share."""
    sizes = {x.shape[0] for x in _tensors(inputs) if x.ndim >= 1}
    return sizes.pop() if len(sizes) == 1 else None


def _lacks_batch(output: Any, batch: int) -> bool:
    """No tensor the model returns starts with the batch. Scalars are left out: a model
    may return its loss; and one returned tensor with the batch is enough (others may be
    a loss, or a state of another shape)."""
    from linearcli.trace.outputs import named_tensors

    shapes = [shape for _, shape in named_tensors(output, "") if shape]
    return bool(shapes) and all(shape[0] != batch for shape in shapes)


def _tensors(inputs: tuple[tuple[Any, ...], dict[str, Any]]) -> Iterator[torch.Tensor]:
    args, keywords = inputs
    for value in (*args, *keywords.values()):
        if is_dense(value):
            yield value


def _operations(
    model: nn.Module, inputs: tuple[tuple[Any, ...], dict[str, Any]], batch: int, size: int
) -> list[Op] | None:
    """Every operation of a pass on meta with the batch grown to ``size``; None if it fails."""
    from linearcli.restore import plain_attributes_kept

    def grown(value: Any) -> Any:
        if not is_dense(value):
            return value
        shape = (size, *value.shape[1:]) if value.ndim and value.shape[0] == batch else value.shape
        return torch.empty(shape, dtype=value.dtype, device="meta")

    args, keywords = inputs
    tensors = [*model.named_parameters(remove_duplicate=False)]
    stand_ins: dict[str, torch.Tensor] = {n: torch.empty_like(t, device="meta") for n, t in tensors}
    stand_ins |= {
        n: torch.empty_like(t, device="meta")
        for n, t in model.named_buffers(remove_duplicate=False)
    }
    watcher = _Operations()
    try:
        with plain_attributes_kept(model), torch.no_grad(), watcher:
            torch.func.functional_call(
                model,
                stand_ins,
                tuple(grown(x) for x in args),
                {k: grown(v) for k, v in keywords.items()},
            )
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
        source = next(_dense(args), None)
        made = next(_dense((out,)), None)
        if source is not None and made is not None:
            name = func.overloadpacket.__name__
            self.ops.append((name, _line(), tuple(source.shape), tuple(made.shape), args[1:]))
        return out


def _dense(values: Any) -> Iterator[torch.Tensor]:
    for value in values:
        if is_dense(value):
            yield value
        elif isinstance(value, list | tuple):
            yield from _dense(value)


def _line() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        if is_user_code(frame.f_code.co_filename):
            return f"{display_path(frame.f_code.co_filename)}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _batch_axes(first: Shape, second: Shape, batch: int) -> list[int]:
    if len(first) != len(second):
        return []
    pairs = enumerate(zip(first, second, strict=True))
    return [i for i, (a, b) in pairs if (a, b) == (batch, 2 * batch)]


def _loss(first: list[Op], second: list[Op], batch: int) -> BatchLoss | None:
    """The last operation whose input has a batch axis and whose output has none, with no
    batch axis in any output after it. Where the passes part ways (a 1-D input takes
    another path through F.linear), what came before is all there is to compare: the
    batch lost before that point did not come back in the output."""
    found = None
    for one, two in zip(first, second, strict=False):
        if one[0] != two[0]:
            break
        has_in = bool(_batch_axes(one[2], two[2], batch))
        has_out = bool(_batch_axes(one[3], two[3], batch))
        if has_in and not has_out:
            found = (one, two)
        elif has_out:
            found = None  # the batch is back (or never left): not lost here
    if found is None:
        return None
    (name, line, shape_in, shape_out, arguments), (_, _, _, second_out, _) = found
    kind = _kind(name, shape_out, second_out)
    if kind is None:
        return None
    return BatchLoss(
        op=name,
        line=line,
        input_shape=shape_in,
        output_shape=shape_out,
        batch=batch,
        kind=kind,
        per_sample=math.prod(shape_in[1:]),
        dims=tuple(a for a in arguments if isinstance(a, int | list | tuple)),
    )


_RESHAPES = frozenset({"view", "_unsafe_view", "reshape", "_reshape_alias", "flatten", "squeeze"})
_JOINS = frozenset({"cat", "stack"})
_REDUCTIONS = frozenset(
    {"mean", "sum", "amax", "amin", "max", "min", "prod", "std", "var", "logsumexp", "norm"}
)
_SELECTIONS = frozenset({"select", "index"})


def _kind(name: str, first: Shape, second: Shape) -> str | None:
    """folded (the batch merged into another axis), concatenated, dropped (an axis fewer
    in one pass: squeeze), reduced (mean, sum, max over it), or selected (x[0]); None for
    an operation whose meaning here is not known (an RNN's own unbind over time steps:
    saying "samples mixed" there would not be true)."""
    if name in _JOINS:
        return "concatenated"
    if name in _RESHAPES:
        return "dropped" if len(first) != len(second) else "folded"
    if name in _REDUCTIONS:
        return "dropped" if len(first) != len(second) else "reduced"
    if name in _SELECTIONS:
        return "selected"
    return None
