"""The batch-axis finding: a reshape that mixed the samples, and the change that keeps
them apart. Pure: from the trace's record of that reshape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from linearcli.init_checks import layer_words
from linearcli.records import LINEAR, BatchLoss, LinearRecord
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
    message = (
        f"view (or reshape){where} made {format_shape(loss.output_shape)} from "
        f"{format_shape(loss.input_shape)}: it deals the {loss.batch} samples out as {rows} "
        f"rows, not a whole number per sample, so rows mix samples ({loss.per_sample} "
        "values each); nothing raises, but the output has no row per sample"
    )
    return Diagnostic(
        severity="warning",
        code="batch-axis",
        layer=None,
        message=message,
        fix=f"keep the batch axis: x.view(x.size(0), -1) (or x.flatten(1)): "
        f"{loss.per_sample} values per sample",
        source=loss.line,
    )


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
