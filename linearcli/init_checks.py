"""Findings about a layer's values before any training: NaN or inf, units that can never
become different, and a spread no init would draw (or not the one the spec declared).

Pure functions of the trace's records and the init audit, like diagnose.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence

from linearcli.records import LINEAR, LinearRecord, Stats, Trace
from linearcli.report import Diagnostic, InitAudit

OUTLIER_RATIO = 3.0  # std more than 3x, or less than 1/3, of what the declared scheme implies
OUTLIER_MIN_VALUES = 16
# A weight whose root mean square times sqrt(in_features) is this large multiplies its
# input's spread by as much at every call (PyTorch's default: 0.58; Kaiming's: 1.41).
IMPLAUSIBLE_GAIN = 10.0


def readers_of(trace: Trace) -> dict[str, list[LinearRecord]]:
    """Each layer's name -> the rows whose calls read its output: known to, not guessed
    (code in a forward() between them, such as a residual add, may mix in other values)."""
    readers: dict[str, list[LinearRecord]] = defaultdict(list)
    for record in trace.linears:
        names = {
            call.producer.name
            for call in record.calls
            if call.producer is not None and call.producer_exact
        }
        for name in names:
            if name is not None and name != record.name:
                readers[name].append(record)
    return readers


def check_values(record: LinearRecord) -> Diagnostic | None:
    """NaN or inf in a weight or bias: the init audit has nothing to say about such values."""
    broken = [
        f"{stats.non_finite:,} of the {stats.count:,} {part} values"
        for part, stats in (("weight", record.weight_stats), ("bias", record.bias_stats))
        if stats is not None and stats.non_finite
    ]
    if not broken:
        return None
    layer = layer_words(record)
    verb = "is" if len(broken) == 1 and broken[0].startswith("1 of") else "are"
    return Diagnostic(
        "error",
        "non-finite-weights",
        record.name,
        f"{' and '.join(broken)} of {layer} {verb} NaN or infinite: every output unit that "
        "reads one is NaN or infinite, whatever the input, and so is the loss",
        "find where they came from (a checkpoint, an init that divides by zero, a training "
        "step that diverged) and give the layer finite values, e.g. its reset_parameters()",
    )


def check_init(
    record: LinearRecord, init: InitAudit, readers: Sequence[LinearRecord]
) -> Iterator[Diagnostic]:
    symmetric = _symmetric(record, readers)
    if symmetric is not None:
        yield symmetric
        return
    for part, param in (("weight", init.weight), ("bias", init.bias)):
        observed = param.observed if param else None
        if param is None or observed is None or observed.count < OUTLIER_MIN_VALUES:
            continue  # nothing observed, or too few values for their spread to mean anything
        if part == "weight" and not _embedding(record):
            gain = math.sqrt(observed.mean**2 + observed.std**2) * math.sqrt(record.in_features)
            if gain >= IMPLAUSIBLE_GAIN:
                yield _implausible(record, observed, param.scheme, gain)
                continue
        if not param.declared or not param.expected_std:
            continue  # a scheme read from the values fits them
        ratio = observed.std / param.expected_std
        if ratio > OUTLIER_RATIO or ratio < 1 / OUTLIER_RATIO:
            yield Diagnostic(
                "info",
                "init-outlier",
                record.name,
                f"the {part} of {layer_words(record)} has std {observed.std:.4g}, {ratio:.3g}x "
                f"the {param.expected_std:.4g} that {param.scheme} implies",
                "check that the values you load or the scheme's arguments are the ones you mean",
            )


def _symmetric(record: LinearRecord, readers: Sequence[LinearRecord]) -> Diagnostic | None:
    """Units that stay identical for good: the weight one value and the bias one value (or
    none), so every output unit computes the same, and every layer reading them weighs
    them alike (its weight one value too), so every unit gets the same gradient. A
    constant last layer (a zero-initialised head), a zero LoRA B beside a random A, a
    zero last projection added to a residual stream: each unit's gradient differs,
    through the loss or a random layer after it, and they do not stay alike."""
    weight, bias = record.weight_stats, record.bias_stats
    if weight is None or record.out_features <= 1 or not _constant(weight):
        return None
    if bias is not None and not _constant(bias):
        return None
    if record.rectified and weight.min == 0 and (bias is None or bias.max <= 0):
        return _dead(record, bias)
    if not readers or not all(r.weight_stats and _constant(r.weight_stats) for r in readers):
        return None
    names = ", ".join(sorted({r.name for r in readers}))
    value = "" if bias is None else f" and every bias {bias.min:.4g}"
    return Diagnostic(
        "warning",
        "symmetric-init",
        record.name,
        f"every weight of {layer_words(record)} is {weight.min:.4g}{value}, and {names}, "
        f"which reads its {record.out_features} outputs, weighs them all alike: they start "
        "identical, get identical gradients and so stay identical",
        f"give {record.name}'s weight a random init (PyTorch's default, xavier_uniform_ or "
        "kaiming_uniform_); a constant suits a bias or a last layer, not a hidden one",
    )


def _dead(record: LinearRecord, bias: Stats | None) -> Diagnostic:
    """All-zero weights, a bias of 0 or less, then a ReLU: every output is 0 or less,
    where ReLU passes no gradient, so the layer (and what reads it) never learns."""
    value = "" if bias is None else f" and every bias {bias.min:.4g}"
    return Diagnostic(
        "warning",
        "symmetric-init",
        record.name,
        f"every weight of {layer_words(record)} is 0{value}, and a ReLU takes its "
        f"outputs: all {record.out_features} are 0 or less for every input, where ReLU's "
        "gradient is 0, so no gradient ever reaches this layer: its units stay identical "
        "and it never learns",
        f"give {record.name}'s weight a random init (PyTorch's default, or "
        "kaiming_uniform_(nonlinearity='relu')); zeros suit a last layer, not one before a ReLU",
    )


def _implausible(record: LinearRecord, observed: Stats, scheme: str, gain: float) -> Diagnostic:
    target = 1 / math.sqrt(record.in_features)
    return Diagnostic(
        "info",
        "init-outlier",
        record.name,
        f"the weight of {layer_words(record)} has std {observed.std:.4g} ({scheme}): "
        f"it multiplies its input's spread by about {gain:.3g}x (root mean square x "
        f"sqrt(in_features)), which no usual init does, so activations grow that much "
        "at every such layer",
        f"draw it with std near 1/sqrt({record.in_features}) = {target:.4g} (PyTorch's "
        "default, Kaiming) or check the values you load",
    )


def _embedding(record: LinearRecord) -> bool:
    """A weight an embedding holds (a tied LM head): drawn N(0, 1), nn.Embedding's own
    default, for lookups; its spread says nothing about a Linear's init."""
    return bool(record.tied_to) or "Embedding" in record.type_name


def _constant(stats: Stats) -> bool:
    return stats.count == 1 or stats.min == stats.max


def layer_words(record: LinearRecord) -> str:
    """``fc (Linear 784->256)``; another module by its type: ``c_attn (Conv1D 768->2304)``."""
    kind = "Linear" if record.kind == LINEAR else record.type_name
    return f"{record.name} ({kind} {record.in_features}->{record.out_features})"
