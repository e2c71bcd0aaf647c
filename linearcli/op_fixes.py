"""What to change where a torch operation raised: pure functions of the recorded call.

A view or reshape gets the sizes that hold its input; a weight applied the wrong way
round, its transpose where it was stored or used; a convolution or a BatchNorm given
other channels, the axis they sit on or the module that made them. ``view_fits`` is
shared with the pass (trace/failed_op.py), which goes on with the first size that fits,
so the layers after it are checked in the same run. No torch here.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from linearcli.records import INPUT_NAME, ROOT_NAME, OpFailure, Shape
from linearcli.report import Diagnostic, format_shape

VIEWS = frozenset({"view", "reshape"})
MATMULS = frozenset({"matmul", "__matmul__", "mm"})
CONVS = frozenset({"conv1d", "conv2d", "conv3d"})
CONV_TRANSPOSES = frozenset({"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"})
NON_CONTIGUOUS = "view size is not compatible"  # torch's message for a view across strides


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


def op_finding(op: OpFailure, sources: Mapping[str, str]) -> Diagnostic | None:
    """The finding for an operation that raised, where linearcli knows what to change."""
    if op.op in VIEWS:
        return _view(op)
    if op.op == "linear":
        return _linear(op, sources)
    if op.op in MATMULS:
        return _matmul(op)
    if op.op in CONVS or op.op in CONV_TRANSPOSES:
        return _conv(op, sources)
    if op.op == "batch_norm":
        return _batch_norm(op, sources)
    return None


def _view(op: OpFailure) -> Diagnostic | None:
    shape = op.shapes[0] if op.shapes else None
    if shape is None:
        return None
    x = _receiver(op.code, op.op) or "x"
    asked = ", ".join(map(str, op.sizes))
    call = f"{x}.{op.op}({asked})"
    if NON_CONTIGUOUS in op.message:
        message = (
            f"{call} cannot view {format_shape(shape)}: a transpose or permute before it left "
            "the tensor non-contiguous, and view() cannot merge axes across its strides"
        )
        fix = f"use reshape: {x}.reshape({asked}) (or {x}.contiguous().view({asked}))"
        return _placed(Diagnostic("error", "view-size", op.module, message, fix), op)
    total = math.prod(shape)
    holds = f"{format_shape(shape)} holds {total} values"
    if len(shape) >= 2:
        holds += f", {_product(shape[1:])} for each of its {shape[0]} rows"
    known = math.prod(s for s in op.sizes if s != -1)
    asks = f"a multiple of {known}" if -1 in op.sizes else str(known)
    message = f"{call} asks for {asks} values, but its input {holds}"
    fits = view_fits(shape, op.sizes)
    if not fits:
        fix = f"sizes that multiply to {total}"
    elif len(op.sizes) == 2 and fits[0][1] == 1 and len(fits) == 1:
        fix = (
            f"keep the batch axis and flatten the rest: {x}.{op.op}({x}.size(0), -1), "
            f"{_product(shape[1:])} values per sample"
        )
    elif fits[0][1] == 0:
        rest = ", ".join(map(str, op.sizes[1:]))
        fix = f"use the batch at hand, not a fixed one: {x}.{op.op}({x}.size(0), {rest})"
    else:
        literal = _literal_axes(op.code, op.op)  # a size written as a number is the suspect
        ordered = sorted(fits, key=lambda fit: fit[1] not in literal)
        fix = " or ".join(f"{x}.{op.op}({_changed(op.sizes, fit, axis)})" for fit, axis in ordered)
        fix = f"sizes that hold it: {fix}"
    return _placed(Diagnostic("error", "view-size", op.module, message, fix), op)


def _changed(sizes: Sequence[int], fit: Shape, axis: int) -> str:
    """The sizes as written, the one that changes changed: ``-1, 32, 7, 7``."""
    return ", ".join(str(fit[i] if i == axis else s) for i, s in enumerate(sizes))


def _linear(op: OpFailure, sources: Mapping[str, str]) -> Diagnostic | None:
    if len(op.shapes) < 2 or op.shapes[0] is None or op.shapes[1] is None:
        return None
    x, w = op.shapes[0], op.shapes[1]
    first, second = (list(op.parameters) + [None, None])[:2]
    if first is not None and second is None:
        swapped = _swapped_call(op.code)
        message = (
            f"F.linear got the weight {first} {format_shape(x)} as its input and "
            f"{format_shape(w)} as its weight: F.linear(input, weight) takes the input first"
        )
        fix = f"{swapped}" if swapped else f"F.linear(input, {first}): the input first"
        if op.repaired is not None:
            fix += f", which gives {format_shape(op.repaired)}"
        return _placed(Diagnostic("error", "transposed-weight", _owner(first), message, fix), op)
    if second is None or len(w) != 2 or not x or x[-1] != w[0] or w[0] == w[1]:
        return None
    message = (
        f"{second} is stored {format_shape(w)}, (in, out): F.linear and nn.Linear need "
        f"(out_features, in_features) = ({w[1]}, {w[0]}); the input {format_shape(x)} has "
        f"{x[-1]} features"
    )
    fix = f"store {second} as ({w[1]}, {w[0]}): assign its transpose (.T), or make it that shape"
    where = sources.get(second) or op.line
    return _placed(
        Diagnostic("error", "transposed-weight", _owner(second), message, fix), op, where
    )


def _matmul(op: OpFailure) -> Diagnostic | None:
    if len(op.shapes) < 2 or op.shapes[0] is None or op.shapes[1] is None:
        return None
    x, w = op.shapes[0], op.shapes[1]
    weight = (list(op.parameters) + [None, None])[1]
    if weight is None or len(w) != 2 or not x or x[-1] != w[1] or w[0] == w[1]:
        return None
    left, right = _matmul_operands(op.code)
    owner = _owner(weight)
    message = (
        f"{left or 'x'} @ {right or weight} multiplies {format_shape(x)} by {weight} "
        f"{format_shape(w)}, which is kept (out, in), as nn.Linear keeps it"
    )
    fix = f"{left or 'x'} @ {right or weight}.T"
    if weight.endswith(".weight") and owner != ROOT_NAME:
        fix += f", or call the layer itself: self.{owner}({left or 'x'})"
    return _placed(Diagnostic("error", "transposed-weight", owner, message, fix), op)


def _conv(op: OpFailure, sources: Mapping[str, str]) -> Diagnostic | None:
    if len(op.shapes) < 2 or op.shapes[0] is None or op.shapes[1] is None:
        return None
    x, w = op.shapes[0], op.shapes[1]
    channels = w[0] if op.op in CONV_TRANSPOSES else w[1] * op.groups
    layer = f"{op.module} (in_channels {channels})"
    from_input = op.producer is not None and op.producer.name is None
    input_line = sources.get(INPUT_NAME) if from_input else None
    if len(x) == len(w) - 2 and channels == 1:
        unsqueezed = (1, 1, *x)
        message = f"{layer} got {format_shape(x)}: no batch axis and no channel axis"
        fix = f"add both: x.unsqueeze(0).unsqueeze(0), {format_shape(unsqueezed)}"
        return _placed(
            Diagnostic("error", "channels-mismatch", op.module, message, fix),
            op,
            input_line or op.line,
        )
    if len(x) == len(w) - 1 and x[0] != channels and channels == 1:
        message = f"{layer} got {format_shape(x)}: a batch of {x[0]} without a channel axis"
        fix = f"add the channel axis: x.unsqueeze(1), {format_shape((x[0], 1, *x[1:]))}"
        return _placed(
            Diagnostic("error", "channels-mismatch", op.module, message, fix),
            op,
            input_line or op.line,
        )
    if len(x) != len(w) or x[1] == channels:
        return None
    if x[-1] == channels:
        order = ", ".join(map(str, (0, len(x) - 1, *range(1, len(x) - 1))))
        move = "x.transpose(1, 2)" if len(x) == 3 else f"x.permute({order})"
        message = (
            f"{layer} got {format_shape(x)}: its {channels} channels are on the last axis, "
            "a convolution reads them on axis 1"
        )
        fix = f"move them to axis 1 before {op.module}: {move}; its in_channels {channels} is right"
        return _placed(Diagnostic("error", "channels-mismatch", op.module, message, fix), op)
    message = f"{layer} got {format_shape(x)}, {x[1]} channels"
    fix = f"set {op.module}'s in_channels to {x[1]}"
    producer = op.producer
    if producer is not None and producer.name is not None:
        message += f", from {producer.describe()}"
        fix += f", or make {producer.name} give {channels} channels"
    return _placed(
        Diagnostic("error", "channels-mismatch", op.module, message, fix),
        op,
        sources.get(op.module),
    )


def _batch_norm(op: OpFailure, sources: Mapping[str, str]) -> Diagnostic | None:
    x = op.shapes[0] if op.shapes else None
    stats = [s for s in op.shapes[1:] if s is not None and len(s) == 1]
    if x is None or len(x) < 2 or not stats or x[1] == stats[0][0]:
        return None
    channels = stats[0][0]
    message = f"{op.module} normalises {channels} channels, but got {format_shape(x)}"
    producer = op.producer
    if producer is None or producer.name is None:
        fix = f"give {op.module} {x[1]} features: its num_features is {channels}"
        return _placed(
            Diagnostic("error", "channels-mismatch", op.module, message, fix),
            op,
            sources.get(op.module),
        )
    message += f" from {producer.describe()}: {x[1]} channels"
    fix = (
        f"make {producer.name} give {channels} channels (out_channels={channels}), "
        f"as {op.module} and what follows expect; or set {op.module}'s num_features to {x[1]}"
    )
    finding = Diagnostic("error", "channels-mismatch", producer.name, message, fix)
    return _placed(finding, op, sources.get(producer.name))


def _placed(finding: Diagnostic, op: OpFailure, source: str | None = None) -> Diagnostic:
    """The finding at ``source`` (the call's own line where none), saying where the call
    was when that is elsewhere, and what linearcli went on with."""
    where = f" (at {op.line})" if op.line and source and source != op.line else ""
    going_on = (
        f"; linearcli went on with {format_shape(op.repaired)}" if op.repaired is not None else ""
    )
    return replace(finding, message=finding.message + where + going_on, source=source or op.line)


def _owner(parameter: str) -> str:
    return parameter.rpartition(".")[0] or ROOT_NAME


def _product(sizes: Sequence[int]) -> str:
    if len(sizes) == 1:
        return str(sizes[0])
    return f"{'*'.join(map(str, sizes))} = {math.prod(sizes)}"


def _calls(code: str) -> list[ast.Call]:
    try:
        tree = ast.parse(code.strip().removeprefix("return ").strip())
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _receiver(code: str, method: str) -> str | None:
    """What ``x.view(...)`` or ``torch.reshape(x, ...)`` on this line was called on."""
    for call in _calls(code):
        if isinstance(call.func, ast.Attribute) and call.func.attr == method:
            value = call.func.value
            if _is_torch(value):
                return ast.unparse(call.args[0]) if call.args else None
            return ast.unparse(value)
    return None


def _literal_axes(code: str, method: str) -> set[int]:
    """The sizes of ``x.view(B, T, 8, 16)`` on this line written as numbers: {2, 3}."""
    for call in _calls(code):
        if isinstance(call.func, ast.Attribute) and call.func.attr == method:
            args = call.args[1:] if _is_torch(call.func.value) else call.args
            if len(args) == 1 and isinstance(args[0], ast.Tuple | ast.List):
                args = list(args[0].elts)
            return {i for i, a in enumerate(args) if isinstance(a, ast.Constant)}
    return set()


def _is_torch(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "torch"


def _swapped_call(code: str) -> str | None:
    """``F.linear(w, x)`` on this line, written with its first two arguments swapped."""
    for call in _calls(code):
        name = call.func.attr if isinstance(call.func, ast.Attribute) else None
        if name == "linear" and len(call.args) >= 2:
            args = [call.args[1], call.args[0], *call.args[2:]]
            swapped = ast.Call(call.func, args, call.keywords)
            return ast.unparse(swapped)
    return None


def _matmul_operands(code: str) -> tuple[str | None, str | None]:
    try:
        tree = ast.parse(code.strip().removeprefix("return ").strip())
    except SyntaxError:
        return None, None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return ast.unparse(node.left), ast.unparse(node.right)
    return None, None
