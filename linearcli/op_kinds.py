"""What an operation that raised got wrong, decided once from the recorded call: the pass
(trace/failed_op.py) goes on with the output its fix gives, and op_fixes.py words the
finding, both from this decision. Pure, no torch.

Each kind is said only where the call shows it; otherwise the failure stays PyTorch's
(a forward-error), or a finding that names both ways out without going on:

- ``reshape``: a view of a tensor a transpose left non-contiguous;
- ``view-size``: a view or reshape whose sizes cannot hold its input (``view_fits``);
- ``swapped``: ``F.linear(weight, input)``: a parameter first, an activation second;
- ``transposed``: an nn.Linear's weight applied the wrong way round: kept (in, out)
  where its declared sizes say (out, in) (a kernel assigned as it is), or ``x @ W``;
- ``either``: a weight of the model's own whose sizes fit the input the other way
  round: the weight is transposed, or the input has the wrong size; not gone past;
- ``unbatched-image``, ``no-channel``: an image into a convolution without its batch
  and channel axes, a batch without its channel axis;
- ``channels-last``: the convolution's channels on the input's last axis, where the
  input is the model's own or was just permuted;
- ``channels``: a convolution given other channels;
- ``norm-last``: a BatchNorm1d given (batch, tokens, channels);
- ``norm-producer``: a BatchNorm right after a layer that gives other channels (the
  layer is the one to change: a norm is written for the channels meant);
- ``norm-size``: a BatchNorm given other channels by code (a cat): its num_features.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

from linearcli.records import OpFailure, Shape

VIEWS = frozenset({"view", "reshape"})
MATMULS = frozenset({"matmul", "mm"})
CONVS = frozenset({"conv1d", "conv2d", "conv3d"})
CONV_TRANSPOSES = frozenset({"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"})
NON_CONTIGUOUS = "view size is not compatible"  # torch's message for a view across strides
# Calls that only move axes: a tensor they made has its axes where the code put them.
_LAYOUT = frozenset({"permute", "transpose", "movedim", "moveaxis", "swapaxes", "mT"})
T = TypeVar("T")


def kind_of(op: OpFailure) -> str | None:
    if op.op in VIEWS:
        return _view(op)
    if op.op == "linear" or op.op in MATMULS:
        return _weight(op)
    if op.op in CONVS or op.op in CONV_TRANSPOSES:
        return _conv(op)
    if op.op == "batch_norm":
        return _norm(op)
    return None


def conv_channels(op: OpFailure) -> int:
    """The channels a convolution takes: its weight's second axis times its groups (the
    first, for a transposed convolution)."""
    weight = op.shapes[1] or ()
    return weight[0] if op.op in CONV_TRANSPOSES else weight[1] * op.groups


def norm_channels(op: OpFailure) -> int | None:
    """The channels a BatchNorm normalises: its running mean's, or its weight's."""
    stats = [s for s in op.shapes[1:] if s is not None and len(s) == 1]
    return stats[0][0] if stats else None


def view_fits(shape: Shape, sizes: Sequence[int]) -> list[tuple[Shape, int]]:
    """Sizes that hold ``shape``'s values and differ from those asked in one place: each
    with the axis changed. The leading sizes that equal the input's are kept (the batch,
    the tokens); a ``-1`` first is the batch where the rest is one size or the input has
    two axes (``x.view(-1, 320)``); a batch written into the code (``view(32, -1)``) is
    the batch at hand. Nothing where the asked sizes leave the answer open (a ``-1``
    after the kept axes)."""
    total = math.prod(shape)
    asked = list(sizes)
    if not shape or not asked or asked.count(-1) > 1 or any(s < -1 for s in asked):
        return []
    batch = shape[0]
    if asked[0] == -1 and (len(asked) == 2 or len(shape) == 2):
        asked[0] = batch
    if asked[0] not in (batch, -1):
        trial = [batch, *asked[1:]]
        known = math.prod(s for s in trial if s != -1)
        if known and total % known == 0 and (-1 in trial or known == total):
            return [(tuple(total // known if s == -1 else s for s in trial), 0)]
        return []
    kept = 0
    while kept < min(len(asked), len(shape)) and asked[kept] == shape[kept]:
        kept += 1
    rest, need = asked[kept:], math.prod(shape[kept:])
    if not rest or -1 in asked:
        return []
    fits = []
    for i in range(len(rest)):
        other = math.prod(rest[:i] + rest[i + 1 :])
        if other and need % other == 0 and need // other != rest[i]:
            fits.append(
                (tuple(asked[:kept] + rest[:i] + [need // other] + rest[i + 1 :]), kept + i)
            )
    return fits


def _view(op: OpFailure) -> str | None:
    shape = op.shapes[0] if op.shapes else None
    if shape is None or not op.sizes or op.sizes.count(-1) > 1:
        return None  # a dtype view, two sizes to infer: torch's own message says it
    return "reshape" if NON_CONTIGUOUS in op.message else "view-size"


def _weight(op: OpFailure) -> str | None:
    x, w = _two(op)
    if x is None or w is None or not x:
        return None
    first, second = pair(op.parameters)
    declared = pair(op.declared)[1]
    if op.op == "linear" and first is not None and second is None and w[-1:] == x[-1:]:
        return "swapped"
    if second is None or len(w) != 2 or w[0] == w[1]:
        return None
    if op.op == "linear" and x[-1] == w[0]:  # F.linear(x, W) needs W (out, in)
        return "transposed" if declared == (w[0], w[1]) else "either"
    if op.op != "linear" and x[-1] == w[1]:  # x @ W needs W (in, out)
        return "transposed" if declared is not None else "either"
    return None


def _conv(op: OpFailure) -> str | None:
    x, w = _two(op)
    if x is None or w is None or len(w) < 3:
        return None
    channels = conv_channels(op)
    if len(x) == len(w) - 2 and channels == 1:
        return "unbatched-image"
    if len(x) == len(w) - 1 and channels == 1 and x[0] != 1:
        return "no-channel"
    if len(x) != len(w) or x[1] == channels:
        return None
    from_input = op.producer is not None and op.producer.name is None
    moved = op.made is not None and op.made.op in _LAYOUT
    if x[-1] == channels and (from_input or moved):
        return "channels-last"
    return "channels"


def _norm(op: OpFailure) -> str | None:
    x = op.shapes[0] if op.shapes else None
    channels = norm_channels(op)
    if x is None or len(x) < 2 or channels is None or x[1] == channels:
        return None
    if len(x) == 3 and x[-1] == channels:
        return "norm-last"
    producer = op.producer
    if producer is not None and producer.name is not None:
        return "norm-producer"
    return "norm-size"


def _two(op: OpFailure) -> tuple[Shape | None, Shape | None]:
    shapes = (*op.shapes, None, None)
    return shapes[0], shapes[1]


def pair(values: Sequence[T | None]) -> tuple[T | None, T | None]:
    """The first two of a call's per-argument values, None where there are fewer."""
    padded = (*values, None, None)
    return padded[0], padded[1]
