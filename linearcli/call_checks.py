"""A Linear's call against its in_features: pure, from the recorded call.

The last axis decides whether nn.Linear runs. Where it does not fit, the axis that holds
the size the layer wants says what the mistake is, and so which line to edit:

- the axes after the batch multiply to in_features, or the input is a conv or pool map:
  a flatten is missing (where the Linear is called, or its Sequential);
- the model's input, as the spec wrote it, is (in_features, n): it is transposed (where
  the input is made);
- one vector of batch x in_features values: a flatten without ``start_dim`` took the
  batch axis too (the call that made it);
- a layer took the model's input as one unbatched sample: the Linear gets that sample's
  values, or axes one off from what the code expects; the input has no batch axis
  (where it is made);
- otherwise the sizes disagree, and the fix is the Linear's in_features or the
  producer's out_features (the Linear's line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from linearcli.changes import Change
from linearcli.code_text import statement
from linearcli.init_checks import layer_words
from linearcli.records import LinearCall, LinearRecord
from linearcli.report import Diagnostic, format_shape

AFTER_RECOVERY = " (found after linearcli corrected an earlier mistake to keep going)"


@dataclass(frozen=True)
class Context:
    """What the pass knows beyond the call."""

    batch: int | None  # the model input's first axis
    unbatched: str | None  # the layer that took the model's input as one sample
    input_line: str | None  # where the spec makes its example input
    input_written: bool  # the user made the input; False: linearcli, batch first
    line: str | None  # where the Linear was made
    size_line: str | None  # where its in_features was decided (a helper's call site)
    guessed: bool = False  # linearcli went on past an operation (a view) with a stand-in


def check_call(record: LinearRecord, call: LinearCall, context: Context) -> Diagnostic | None:
    shape = call.input_shape
    if shape is None or not shape or record.in_features == 0 or call.weight_transposed:
        return None
    received, wanted = shape[-1], record.in_features
    spatial = len(shape) >= 3
    flat = math.prod(shape[1:])
    suffix = AFTER_RECOVERY if call.after_recovery else ""
    layer = layer_words(record)
    source = _source(call)
    product = f"{'*'.join(map(str, shape[1:]))} = {flat}"
    flatten = f"insert nn.Flatten() (or x = x.flatten(1)) before {record.name}"
    resized = f"{flatten} and set in_features to {product}: {_linear(flat, record.out_features)}"
    flatten_line = call.call_line or context.line  # where the flatten goes
    if received == wanted:
        # A Linear that keeps the axis's size on a map mixes along it on purpose (axial and
        # token-mixing MLPs: the map goes on); one that resizes it is a forgotten flatten.
        if not (spatial and call.from_feature_map) or wanted == record.out_features:
            return None
        message = (
            f"{layer} runs on an unflattened feature map {format_shape(shape)} from {source}: "
            f"it mixes only the last axis ({received} values), separately at every other position"
        )
        return Diagnostic(
            "warning", "unflattened-input", record.name, message + suffix, resized, flatten_line
        )
    if context.unbatched is not None and math.prod(shape) == wanted:
        message = (
            f"{layer} got {format_shape(shape)}: one sample's {wanted} values, because the "
            f"model's input has no batch axis ({context.unbatched} took it as one unbatched "
            "sample)"
        )
        flatten_too = (
            f", and flatten it before {record.name}: x.flatten(1)" if len(shape) > 2 else ""
        )
        fix = (
            f"add the batch axis to the input: x.unsqueeze(0){flatten_too}; {record.name}'s "
            f"in_features {wanted} is right"
        )
        return Diagnostic(
            "error", "batch-axis", record.name, message + suffix, fix, context.input_line
        )
    batch = context.batch
    if len(shape) == 1 and batch is not None and batch > 1 and received == batch * wanted:
        message = (
            f"{layer} got one vector {format_shape(shape)} from {source}: the {batch} samples' "
            f"{wanted} features each, flattened together with the batch axis"
        )
        fix = (
            "flatten from axis 1, keeping the batch: torch.flatten(x, 1) (or x.flatten(1)), "
            f"({batch}, {wanted})"
        )
        where = call.made.line if call.made is not None else context.line
        change = Change("flatten", "start_dim", "", "1")
        return Diagnostic(
            "error", "batch-axis", record.name, message + suffix, fix, where, change=change
        )
    producer = call.producer
    from_input = producer is not None and producer.name is None and call.producer_exact
    # Only of an input the user made (example_input, inspect_model's): one linearcli made
    # from a spec's shape has its batch first by construction.
    if from_input and context.input_written and len(shape) == 2 and shape[0] == wanted:
        message = (
            f"{layer} got the model's input {format_shape(shape)}, whose first axis has its "
            f"{wanted} features: the input is transposed, (features, samples)"
        )
        fix = (
            f"transpose the input, samples first: x.T; {record.name}'s in_features {wanted} "
            "is right"
        )
        return Diagnostic(
            "error", "in-features-mismatch", record.name, message + suffix, fix, context.input_line
        )
    if spatial and (flat == wanted or call.from_feature_map):
        if flat == wanted:
            message = (
                f"{layer} got a {len(shape)}-D input {format_shape(shape)} from {source}: "
                f"its last axis is {received}, not in_features {wanted}, but the axes after "
                f"the batch multiply to it ({product})"
            )
            fix = f"{flatten}: {product}"
        else:
            message = (
                f"{layer} got an unflattened feature map {format_shape(shape)} from {source}; "
                f"in_features is {wanted}"
            )
            fix = resized
        # inserting code is unsafe: the Linear's own fix may be wanted instead
        inserted = (
            Change(record.name.rpartition(".")[2], "flatten", "", "1", safe=False)
            if flat == wanted
            else None
        )
        return Diagnostic(
            "error",
            "unflattened-input",
            record.name,
            message + suffix,
            fix,
            flatten_line,
            change=inserted,
        )
    message = f"{layer} got {format_shape(shape)} from {source}; in_features is {wanted}"
    if context.unbatched is not None:  # every axis after the input is one off: not a size
        message += (
            f": the model's input has no batch axis ({context.unbatched} took it as one "
            "unbatched sample), so the axes that reach it are not the ones the code expects"
        )
        fix = (
            "add the batch axis to the input first, x.unsqueeze(0), and inspect again; "
            f"{record.name}'s in_features may well be right"
        )
        return Diagnostic(
            "error", "batch-axis", record.name, message + suffix, fix, context.input_line
        )
    fix = f"set in_features to {received}: {_linear(received, record.out_features)}"
    known = producer is not None and producer.name is not None and call.producer_exact
    if known and producer is not None and producer.features is not None:
        other = _linear(producer.features[0], wanted)
        fix += f", or change {producer.name}'s out_features to {wanted}: {other}"
    return Diagnostic(
        "error",
        "in-features-mismatch",
        record.name,
        message + suffix,
        fix,
        context.size_line,
        # not while an operation linearcli went on past stands: the size is its guess
        change=None
        if call.after_recovery and context.guessed
        else Change("Linear", "in_features", str(wanted), str(received)),
    )


def _source(call: LinearCall) -> str:
    """Who made the input: the module (through shape-preserving layers), else the call into
    torch on the user's line where the watching pass saw it, else the last module to run."""
    made = call.made
    if not call.producer_exact and made is not None and made.line is not None:
        code = statement(made.code) if made.code else ""
        return f"`{code}` ({made.line})" if code else f"{made.op} ({made.line})"
    return call.producer.describe() if call.producer else "an unknown producer"


def _linear(in_features: int, out_features: int) -> str:
    return f"nn.Linear({in_features}, {out_features})"
