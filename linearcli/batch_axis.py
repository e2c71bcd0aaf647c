"""The batch-axis findings that nothing raised for: a reshape that mixed the samples, and
an input without a batch axis; the change that keeps the batch. Pure: from the trace's
records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from linearcli.changes import Change
from linearcli.code_text import statement
from linearcli.init_checks import layer_words
from linearcli.op_kinds import view_fits
from linearcli.records import (
    LINEAR,
    BatchDrop,
    BatchLoss,
    LinearRecord,
    RnnState,
    SampleMix,
    Shape,
)
from linearcli.report import Diagnostic, format_shape


def batch_axis(
    loss: BatchLoss, records: Sequence[LinearRecord], sources: Mapping[str, str]
) -> list[Diagnostic]:
    """A warning at the reshape's line: nothing raised, but the rows no longer hold one
    sample each, so a loss against per-sample targets is wrong or fails far from here.
    The Linear that took those rows was sized for them: a second warning, at its line,
    with the size it needs once the batch axis is kept."""
    found = [_at_reshape(loss)]
    for record in records:
        sized = _sized_for_rows(record, loss)
        if sized is not None:
            found.append(replace(sized, source=sources.get(record.module)))
            break
    return found


def _at_reshape(loss: BatchLoss) -> Diagnostic:
    rows = loss.output_shape[0]
    where = f" at {loss.line}" if loss.line else ""
    made = f"view (or reshape){where} made {format_shape(loss.output_shape)} from "
    made += format_shape(loss.input_shape)
    per = f"{loss.per_sample} values per sample"
    if rows % loss.batch == 0:  # whole rows, but each one channel of one sample
        channels = rows // loss.batch
        message = (
            f"{made}: it folds the {channels} channels into the batch, one row per channel "
            f"of each of the {loss.batch} samples, and nothing unfolds them: the output has "
            f"{rows} rows for {loss.batch} samples; nothing raises"
        )
    else:
        message = (
            f"{made}: it deals the {loss.batch} samples out as {rows} rows, not a whole "
            f"number per sample, so rows mix samples ({loss.per_sample} values each); nothing "
            "raises, but the output has no row per sample"
        )
    fix = f"keep the batch axis: x.view(x.size(0), -1) (or x.flatten(1)): {per}"
    fits = view_fits(loss.input_shape, (-1, *loss.output_shape[1:]))
    if len(loss.output_shape) > 2 and fits:  # maps: the one size that holds a sample
        sizes = ", ".join(map(str, fits[0][0][1:]))
        fix = f"keep the batch axis: x.view(x.size(0), {sizes}), {per}"
    return Diagnostic("warning", "batch-axis", None, message, fix, loss.line)


def _sized_for_rows(record: LinearRecord, loss: BatchLoss) -> Diagnostic | None:
    first = record.calls[0] if record.calls else None
    if record.kind != LINEAR or first is None or first.input_shape != loss.output_shape:
        return None
    if record.in_features == loss.per_sample:
        return None
    per, out = loss.per_sample, record.out_features
    return Diagnostic(
        "warning",
        "batch-axis",
        record.name,
        f"{layer_words(record)} takes the rows {format_shape(loss.output_shape)} that "
        f"mixed the samples: with the batch axis kept, each sample has {per} values",
        f"set in_features to {per}: nn.Linear({per}, {out})",
    )


def no_batch_axis(layer: str, input_shape: Shape, line: str | None) -> Diagnostic:
    """The model's only input has no batch axis, and a layer that allows that (a Linear,
    an RNN, a convolution) took it as one sample, where a batch of one would keep the
    axis. Torch allows it; a model is almost always meant for batches."""
    message = (
        f"the model's input {format_shape(input_shape)} has no batch axis: {layer} takes it "
        "as one unbatched sample"
    )
    fix = (
        "add the batch axis where the input is made: x.unsqueeze(0), "
        f"{format_shape((1, *input_shape))}"
    )
    return Diagnostic("warning", "batch-axis", layer, message, fix, line)


def dropped(drop: BatchDrop) -> Diagnostic:
    """A batch of one lost its axis where two samples keep it: the output's shape depends
    on the batch size, and a batch of one (serving one request) breaks what follows."""
    (in_one, out_one), (in_two, out_two) = drop.one, drop.two
    where = f" at {drop.line}" if drop.line else ""
    message = (
        f"{drop.op}{where} drops the batch axis when the batch is 1: {format_shape(in_one)} "
        f"becomes {format_shape(out_one)}, where 2 samples' {format_shape(in_two)} become "
        f"{format_shape(out_two)}"
    )
    ones = [axis - len(in_two) for axis, size in enumerate(in_two) if size == 1]
    # linearcli's reading of the batch axis: made with --unsafe-fixes only
    change = Change("squeeze", "dim", "", str(ones[0]), safe=False) if len(ones) == 1 else None
    if len(ones) > 1 and ones == list(range(-len(ones), 0)):
        fix = "flatten the trailing axes of 1 instead, keeping the batch: .flatten(1)"
    elif ones:
        fix = "squeeze only the axes that are 1 for any batch: " + "".join(
            f".squeeze({axis})" for axis in ones
        )
    else:
        fix = "keep the batch axis whatever its size"
    return Diagnostic("warning", "batch-axis", None, message, fix, drop.line, change=change)


def mixed(
    mix: SampleMix, batch_first: Mapping[str, bool], sources: Mapping[str, str]
) -> Diagnostic:
    """Nothing raised, but each value of the model's output depends on every sample of the
    batch: the call where they met, and how to keep them apart."""
    call, code = mix.made, statement(mix.made.code) if mix.made.code else mix.made.op
    where = f"`{code}`" + (f" ({call.line})" if call.line else "")
    shapes = f"{format_shape(mix.input_shape)} -> {format_shape(mix.output_shape)}"
    after = (
        f"every value after it depends on all {mix.batch} samples of the batch (the input's "
        "first axis, as linearcli takes it); nothing raises, but no output belongs to one "
        "sample"
    )
    if mix.module in batch_first:  # a recurrent layer run along the batch
        first = batch_first[mix.module]
        if not first and mix.batch_axis == 0:
            message = (
                f"{mix.module} runs along axis 0 of {format_shape(mix.input_shape)}, which holds "
                f"the batch: without batch_first=True it reads (time, batch, features); {after}"
            )
            fix = (
                f"build {mix.module} with batch_first=True (or feed it x.transpose(0, 1)); "
                "if the input is time-major on purpose, this is not a mistake: ignore it"
            )
            line = sources.get(mix.module) or call.line
            return Diagnostic("warning", "batch-axis", mix.module, message, fix, line)
        source = mix.input_made
        message = (
            f"{mix.module} is batch_first=True, but its input {format_shape(mix.input_shape)} "
            f"has the batch on axis {mix.batch_axis}: {after}"
        )
        fix = "feed it (batch, time, features): drop the transpose or permute that put time first"
        line = source.line if source is not None and source.line else call.line
        return Diagnostic("warning", "batch-axis", mix.module, message, fix, line)
    keep = 1 if mix.batch_axis in (0, None) else 0
    message = f"{where} reduces over the batch axis ({shapes}): {after}"
    fix = f"{call.op} over the axis after the batch, not the batch itself: dim={keep}"
    change = Change(call.op, "dim", str(mix.batch_axis or 0), str(keep), safe=False)
    return Diagnostic("warning", "batch-axis", None, message, fix, call.line, change=change)


def state_batch(layer: str, state: RnnState) -> Diagnostic:
    """An RNN's initial state made for another batch (a batch size kept from training):
    it raises on any other batch, the last partial one of an epoch included."""
    made = state.made
    where = f" by `{statement(made.code)}` ({made.line})" if made and made.line else ""
    message = (
        f"{layer} was given an initial state {format_shape(state.shape)}{where}, sized for "
        f"a batch of {state.shape[1]}, but its input's batch is {state.batch}"
    )
    fix = (
        "size the state with the batch at hand, x.size(0) (the batch axis of the input), "
        "or pass no state: an RNN starts from zeros by default"
    )
    line = made.line if made is not None else None
    return Diagnostic("error", "batch-axis", layer, message, fix, line)
