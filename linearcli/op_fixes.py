"""The finding for an operation that raised: what is wrong, where, and the change, in the
user's words where the line allows (code_text.py). Which mistake it is was decided once,
in op_kinds.py, where the pass decided how to go on. Pure, no torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from linearcli.call_checks import AFTER_RECOVERY
from linearcli.changes import Change
from linearcli.code_text import is_number, matmul_operands, receiver, size_arguments, swapped_call
from linearcli.op_kinds import conv_channels, kind_of, norm_channels, pair, view_fits
from linearcli.records import INPUT_NAME, ROOT_NAME, OpFailure, Shape, size_key
from linearcli.report import Diagnostic, format_shape


def op_finding(op: OpFailure, sources: Mapping[str, str]) -> Diagnostic | None:
    """The finding for an operation that raised, where linearcli knows what to change."""
    kind = kind_of(op)
    if kind in ("reshape", "view-size"):
        return _view(op, kind)
    if kind in ("swapped", "transposed", "either"):
        return _weight(op, kind, sources)
    if kind is not None and kind.startswith("norm"):
        return _norm(op, kind, sources)
    if kind is not None:
        return _conv(op, kind, sources)
    return None


def _view(op: OpFailure, kind: str) -> Diagnostic:
    shape = op.shapes[0] or ()
    x = receiver(op.code, op.op) or "x"
    written = size_arguments(op.code, op.op)
    if written is None or len(written) != len(op.sizes):
        written = [str(s) for s in op.sizes]
    asked = ", ".join(written)
    if kind == "reshape":
        message = (
            f"{x}.{op.op}({asked}) cannot view {format_shape(shape)}: a transpose or permute "
            "before it left the tensor non-contiguous, and view() cannot merge axes across "
            "its strides"
        )
        fix = f"use reshape: {x}.reshape({asked}) (or {x}.contiguous().view({asked}))"
        return _placed(Diagnostic("error", "view-size", op.module, message, fix), op)
    total = math.prod(shape)
    holds = f"{format_shape(shape)} holds {total} values"
    if len(shape) >= 2:
        holds += f", {_product(shape[1:])} for each of its {shape[0]} rows"
    known = math.prod(s for s in op.sizes if s != -1)
    asks = f"a multiple of {known}" if -1 in op.sizes else str(known)
    message = f"{x}.{op.op}({asked}) asks for {asks} values, but its input {holds}"
    fits = view_fits(shape, op.sizes)
    change = None
    if not fits:
        fix = f"sizes that multiply to {total}"
    elif len(op.sizes) == 2 and len(fits) == 1 and fits[0][1] == 1:
        fix = (
            f"keep the batch axis and flatten the rest: {x}.{op.op}({x}.size(0), -1), "
            f"{_product(shape[1:])} values per sample"
        )
        # an image's maps flatten one way; a sequence (B, T, F) may mean a row per step
        change = _sizes_change(op, x, asked, f"{x}.size(0), -1", safe=len(shape) >= 4)
    elif fits[0][1] == 0:
        rest = ", ".join(written[1:])
        fix = f"use the batch at hand, not a fixed one: {x}.{op.op}({x}.size(0), {rest})"
        change = _sizes_change(op, x, asked, f"{x}.size(0), {rest}", safe=True)
    else:
        # a size written as a number is the likelier suspect than one computed
        ordered = sorted(fits, key=lambda fit: not is_number(written[fit[1]]))
        calls = (f"{x}.{op.op}({_changed(written, fit, axis)})" for fit, axis in ordered)
        fix = "sizes that hold it: " + " or ".join(calls)
    return _placed(Diagnostic("error", "view-size", op.module, message, fix, change=change), op)


def _sizes_change(op: OpFailure, x: str, asked: str, sizes: str, *, safe: bool) -> Change | None:
    """The view's new sizes, where its receiver is a name: ``x.size(0)`` of an expression
    would run the expression twice."""
    return Change(op.op, "sizes", asked, sizes, safe=safe) if x.isidentifier() else None


def _weight(op: OpFailure, kind: str, sources: Mapping[str, str]) -> Diagnostic | None:
    x, w = op.shapes[0] or (), op.shapes[1] or ()
    first, second = pair(op.parameters)
    if kind == "swapped" and first is not None:
        message = (
            f"F.linear got the weight {first} {format_shape(x)} as its input and "
            f"{format_shape(w)} as its weight: F.linear(input, weight) takes the input first"
        )
        fix = swapped_call(op.code) or f"F.linear(input, {first}): the input first"
        if op.repaired is not None:
            fix += f", which gives {format_shape(op.repaired)}"
        return _placed(Diagnostic("error", "transposed-weight", _owner(first), message, fix), op)
    if second is None:
        return None
    owner = _owner(second)
    if op.op != "linear":  # x @ W
        left, right = matmul_operands(op.code) or ("x", second)
        fixed = f"{left} @ {right}.T"
        if kind == "transposed":
            message = (
                f"{left} @ {right} multiplies {format_shape(x)} by {second} "
                f"{format_shape(w)}, which nn.Linear keeps (out, in)"
            )
            fix = f"{fixed}, or call the layer itself: self.{owner}({left})"
            return _placed(Diagnostic("error", "transposed-weight", owner, message, fix), op)
        message = (
            f"{left} @ {right} multiplies {format_shape(x)} by {second} {format_shape(w)}: "
            f"{x[-1]} features against a first axis of {w[0]}"
        )
        fix = f"if {second} is kept (out, in): {fixed}; else the input should have {w[0]} features"
        return _placed(Diagnostic("error", "transposed-weight", owner, message, fix), op)
    message = (
        f"{second} is stored {format_shape(w)}: F.linear needs its weight (out_features, "
        f"in_features), and the input {format_shape(x)} has {x[-1]} features, its first axis"
    )
    store = f"store {second} as ({w[1]}, {w[0]}): assign its transpose (.T)"
    if kind == "transposed":
        fix = f"{store}; nn.Linear keeps (out, in)"
    else:
        fix = f"if {second} is kept (in, out): {store}; else the input should have {w[1]} features"
    where = sources.get(second) or op.line
    finding = Diagnostic("error", "transposed-weight", owner, message, fix)
    return _placed(finding, op, where)


def _conv(op: OpFailure, kind: str, sources: Mapping[str, str]) -> Diagnostic:
    x = op.shapes[0] or ()
    channels = conv_channels(op)
    layer = f"{op.module} (in_channels {channels})"
    from_input = op.producer is not None and op.producer.name is None
    input_line = (sources.get(INPUT_NAME) if from_input else None) or op.line
    if kind == "unbatched-image":
        message = f"{layer} got {format_shape(x)}: no batch axis and no channel axis"
        fix = f"add both: x.unsqueeze(0).unsqueeze(0), {format_shape((1, 1, *x))}"
        finding = Diagnostic("error", "channels-mismatch", op.module, message, fix)
        return _placed(finding, op, input_line)
    if kind == "no-channel":
        message = f"{layer} got {format_shape(x)}: a batch of {x[0]} without a channel axis"
        fix = f"add the channel axis: x.unsqueeze(1), {format_shape((x[0], 1, *x[1:]))}"
        finding = Diagnostic("error", "channels-mismatch", op.module, message, fix)
        return _placed(finding, op, input_line)
    if kind == "channels-last":
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
    finding = Diagnostic("error", "channels-mismatch", op.module, message, fix)
    return _placed(finding, op, sources.get(size_key(op.module)) or sources.get(op.module))


def _norm(op: OpFailure, kind: str, sources: Mapping[str, str]) -> Diagnostic:
    x = op.shapes[0] or ()
    channels = norm_channels(op)
    message = f"{op.module} normalises {channels} channels on axis 1, but got {format_shape(x)}"
    producer = op.producer
    if kind == "norm-last":
        message += f": its {channels} features are on the last axis"
        fix = (
            f"normalise axis 1: {op.module}(x.transpose(1, 2)).transpose(1, 2), or use "
            f"nn.LayerNorm({channels}) over the last axis"
        )
        return _placed(Diagnostic("error", "channels-mismatch", op.module, message, fix), op)
    if kind == "norm-size" or producer is None or producer.name is None:
        fix = f"set {op.module}'s num_features to {x[1]}"
        finding = Diagnostic("error", "channels-mismatch", op.module, message, fix)
        return _placed(finding, op, sources.get(op.module))
    size, unit = ("out_features", "features") if producer.features else ("out_channels", "channels")
    message += f", {x[1]} channels from {producer.describe()}"
    fix = (
        f"make {producer.name} give {channels} {unit} ({size}={channels}), as {op.module} and "
        f"what follows expect; or set {op.module}'s num_features to {x[1]}"
    )
    finding = Diagnostic("error", "channels-mismatch", producer.name, message, fix)
    return _placed(finding, op, sources.get(producer.name))


def _placed(finding: Diagnostic, op: OpFailure, source: str | None = None) -> Diagnostic:
    """The finding at ``source`` (the call's own line where none), saying where the call
    was when that is elsewhere, what linearcli went on with, and whether an earlier
    mistake had been corrected to get there."""
    where = f" (at {op.line})" if op.line and source and source != op.line else ""
    going_on = (
        f"; linearcli went on with {format_shape(op.repaired)}" if op.repaired is not None else ""
    )
    after = AFTER_RECOVERY if op.after_recovery else ""
    message = finding.message + where + going_on + after
    return replace(finding, message=message, source=source or op.line)


def _changed(written: Sequence[str], fit: Shape, axis: int) -> str:
    """The sizes as written, the one that changes changed: ``-1, 32, 7, 7``."""
    return ", ".join(str(fit[i]) if i == axis else s for i, s in enumerate(written))


def _owner(parameter: str) -> str:
    return parameter.rpartition(".")[0] or ROOT_NAME


def _product(sizes: Sequence[int]) -> str:
    if len(sizes) == 1:
        return str(sizes[0])
    return f"{'*'.join(map(str, sizes))} = {math.prod(sizes)}"
