"""The batch-axis finding: where the batch axis was folded, dropped or reduced, and the
change that keeps it. Pure: from the trace's record of that operation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from linearcli.init_checks import layer_words
from linearcli.records import LINEAR, BatchLoss, LinearRecord
from linearcli.report import Diagnostic, format_shape

_FIXES = {
    "folded": "keep the batch axis: x.view(x.size(0), -1) (or x.flatten(1)): {per} values "
    "per sample, which the next Linear's in_features must be",
    "concatenated": "concatenate along the features, not the samples: dim=1 (or dim=-1)",
    "dropped": "name the axis to drop: squeeze(-1), or squeeze(dim) for the axis that is 1 "
    "(squeeze() also drops the batch axis whenever the batch is 1)",
    "reduced": "reduce over each sample's own axes, not the batch: dim=1 (or the axes "
    "after the batch)",
    "selected": "index the axis after the batch: x[:, 0], not x[0]",
}
_WHAT = {
    "folded": "folds the batch axis into another: a batch of {batch} comes out as {rows} rows, "
    "each mixing samples",
    "concatenated": "joins along the batch axis: the {batch} samples become {rows}",
    "dropped": "drops the batch axis (the batch here is {batch})",
    "reduced": "reduces over the batch axis: the {batch} samples are mixed into one",
    "selected": "takes one sample of the {batch}",
}


def batch_axis(
    loss: BatchLoss, records: Sequence[LinearRecord], sources: Mapping[str, str]
) -> list[Diagnostic]:
    """A warning at the line of the operation: nothing raised, but the model's output no
    longer has a row per sample, so a loss against per-sample targets is wrong or fails
    far from here. Where the batch was folded into the rows, the Linear that took those
    rows was sized for them: a second warning, at its line, with the size it needs."""
    found = [_at_operation(loss)]
    if loss.kind == "folded":
        for record in records:
            sized = _sized_for_rows(record, loss)
            if sized is not None:
                found.append(replace(sized, source=sources.get(record.module)))
                break
    return found


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
        f"folded the batch: with the batch axis kept, each sample has {per} values",
        f"set in_features to {per}: nn.Linear({per}, {out})",
    )


def _at_operation(loss: BatchLoss) -> Diagnostic:
    rows = loss.output_shape[0] if loss.output_shape else 1
    what = _WHAT[loss.kind].format(batch=loss.batch, rows=rows)
    where = f" at {loss.line}" if loss.line else ""
    op = "view (or reshape)" if loss.op in ("view", "_unsafe_view", "reshape") else loss.op
    message = (
        f"{op}{where} made {format_shape(loss.output_shape)} from "
        f"{format_shape(loss.input_shape)}: it {what}; nothing after it has the batch axis "
        "again, so the model's output does not have one row per sample"
    )
    return Diagnostic(
        severity="warning",
        code="batch-axis",
        layer=None,
        message=message,
        fix=_FIXES[loss.kind].format(per=loss.per_sample),
        source=loss.line,
    )
