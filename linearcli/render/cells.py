"""What each cell of the layer table says, as plain text shared by Rich and Markdown.

Also the symbols' ASCII fallbacks and the lines under the table (totals, what a folded
row means), so that every format words a fact the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from linearcli.escape import visible
from linearcli.records import EXPERTS, PACKED, Stats
from linearcli.render.columns import COLUMNS as COLUMNS  # re-exported: the default headers
from linearcli.render.columns import KNOWN_COLUMNS, resolve_columns
from linearcli.render.columns import NUMERIC as NUMERIC
from linearcli.render.rows import Row
from linearcli.report import LayerReport, Report, format_bytes, format_shape

# torch's own name for the Linear inside MultiheadAttention: a plain Linear to the reader.
_PLAIN_LINEAR_TYPES = ("Linear", "NonDynamicallyQuantizableLinear")
# Our own symbols, for terminals whose encoding has none of them.
ASCII_FALLBACKS = str.maketrans(
    {
        "→": "->",
        "…": "...",
        "±": "+/-",
        "σ": "std",
        "ᵀ": "^T",
        "√": "sqrt",
        "×": "x",
        "✓": "ok",
        "✗": "MISMATCH",
        "·": "*",
        "—": "-",
    }  # fmt: skip
)
NO_FALLBACKS: dict[int, str] = {}
NOT_MATERIALISED = "not materialised"
LINEAR_LAYERS, LINEAR_MAPS = "nn.Linear layers", "linear maps"


def layer_cells(
    layer: LayerReport, name: str | None = None, columns: Sequence[str] | None = None
) -> tuple[str, ...]:
    """One Linear's row as plain text, a cell per column (``COLUMNS`` by default)."""
    facts = layer_facts(layer, name)
    return tuple(facts[column] for column in resolve_columns(columns))


def row_cells(row: Row, name: str, columns: Sequence[str] | None = None) -> tuple[str, ...]:
    """A display row's cells, a cell per column (``COLUMNS`` by default)."""
    facts = row_facts(row, name)
    return tuple(facts[column] for column in resolve_columns(columns))


def layer_facts(layer: LayerReport, name: str | None = None) -> dict[str, str]:
    """Every column's cell for one Linear, by column name."""
    name = visible(layer.name) if name is None else name
    notes = [visible(layer.type)] if layer.type not in _PLAIN_LINEAR_TYPES else []
    if layer.kind == PACKED:
        notes = ["packed qkv"]  # of nn.MultiheadAttention: the row is its in_proj
    elif layer.kind == EXPERTS and layer.stored_shape:
        notes.append(f"{layer.stored_shape[0]:,} experts")
    if layer.adapters:
        ranks = ", ".join(str(a.rank) for a in layer.adapters)
        notes.append(f"LoRA r={ranks}")
    if layer.weight_layout == "(in, out)":
        notes.append("stored (in, out)")
    if layer.tied_to:
        notes.append(f"tied to {visible(layer.tied_to[0])}")
    if notes:
        name = f"{name}\n{' ' * (len(name) - len(name.lstrip()))}{', '.join(notes)}"
    seen_in = format_shape(layer.input_shape) if layer.input_shape is not None else "-"
    if layer.used_by is not None:
        seen_in = "used by parent"
    called = layer.calls > 0
    return {
        "layer": name,
        "in_out": f"{layer.in_features} → {layer.out_features}",
        "weight": format_shape(layer.stored_shape or layer.weight_shape),
        "bias": format_shape(layer.bias_shape) if layer.bias_shape is not None else "-",
        "params": f"{layer.params:,}",
        "params_percent": _percent(layer.params_percent),
        "mult_adds": f"{layer.mult_adds:,}" if called else "-",
        "output_bytes": format_bytes(layer.output_bytes) if called else "-",
        "init": _init(layer),
        "weight_range": _observed(
            layer.weight_range, layer.init.weight.observed if layer.init else None
        ),
        "input": seen_in,
        "output": format_shape(layer.output_shape) if layer.output_shape is not None else "-",
        "status": layer.status,
    }


def row_facts(row: Row, name: str) -> dict[str, str]:
    """A display row's cells by column name: a folded row's weight range spans every block
    folded in; a summary's numbers are one block's."""
    if row.kind == "heading":
        return dict.fromkeys(KNOWN_COLUMNS, "") | {"layer": name}
    if row.kind == "summary":
        blocks = row.times
        return dict.fromkeys(KNOWN_COLUMNS, "") | {
            "layer": name,
            "in_out": plural(row.linears, "Linear"),
            "params": f"{row.params:,}",
            "params_percent": _percent(sum(x.params_percent for x in row.layers) / blocks),
            "mult_adds": f"{sum(x.mult_adds for x in row.layers) // blocks:,}",
            "output_bytes": format_bytes(sum(x.output_bytes for x in row.layers) // blocks),
            "status": row.status,
        }
    return layer_facts(row.layer, name) | {"weight_range": _folded_range(row.layers)}


def _map_label(layer: LayerReport) -> str:
    """What the totals line counts a row as: ``Linear``, ``Conv1D``, ``packed qkv``."""
    if layer.kind == PACKED:
        return "packed qkv"
    return "Linear" if layer.type in _PLAIN_LINEAR_TYPES else visible(layer.type)


def _percent(value: float) -> str:
    """Two decimals, as torchinfo's Param %."""
    return f"{value:.2f}%"


def _folded_range(layers: Sequence[LayerReport]) -> str:
    ranges = [layer.weight_range for layer in layers if layer.weight_range is not None]
    stats = [layer.init.weight.observed for layer in layers if layer.init is not None]
    known = [s for s in stats if s is not None]
    if len(ranges) < len(layers):
        return NOT_MATERIALISED
    span = (min(low for low, _ in ranges), max(high for _, high in ranges))
    return _observed(span, _pooled(known) if len(known) == len(layers) else None)


def _pooled(stats: Sequence[Stats]) -> Stats:
    """The statistics of all the values together, from each block's count, mean and std."""
    if len(stats) == 1:
        return stats[0]
    count = sum(s.count for s in stats)
    mean = sum(s.count * s.mean for s in stats) / count
    squares = sum((s.count - 1) * s.std**2 + s.count * (s.mean - mean) ** 2 for s in stats)
    std = math.sqrt(squares / max(count - 1, 1))
    return Stats(min(s.min for s in stats), max(s.max for s in stats), mean, std, count)


def _init(layer: LayerReport) -> str:
    """PyTorch's default bound; the scheme the weight looks like (its parameter is in its
    name); or the spec's scheme and what it implies."""
    weight = layer.init.weight if layer.init else None
    if weight is None or weight.scheme == "default":
        return _sig(layer.init_bound) if layer.init_bound is not None else "-"
    if not weight.declared or weight.expected_std == 0:
        return weight.scheme
    if weight.expected_bound is None and weight.expected_std is None:
        return weight.scheme
    if weight.expected_bound is not None:
        return f"{weight.scheme} ±{_sig(weight.expected_bound)}"
    return f"{weight.scheme} σ {_sig(weight.expected_std or 0)}"


def _observed(weight_range: tuple[float, float] | None, observed: Stats | None) -> str:
    """The weight's observed range and spread."""
    if weight_range is None:
        return NOT_MATERIALISED
    low, high = weight_range
    spread = f" σ {_sig(observed.std)}" if observed is not None else ""
    return f"{_sig(low)} … {_sig(high)}{spread}"


def _sig(value: float) -> str:
    """Four significant digits, the way the init bound 1/sqrt(784) = 0.03571 is read."""
    return f"{value:.4g}"


_SHOWN = 3  # outputs named under the table; JSON has them all


def totals_lines(report: Report, columns: Sequence[str] | None = None) -> tuple[str, ...]:
    """The lines under the table; the mult-adds line only when ``columns`` has mult_adds."""
    t = report.totals
    inputs = ", ".join(format_shape(s) for s in report.inputs) or "-"
    output = _output(report)
    noun = subject(report)
    shown = resolve_columns(columns)
    mult_adds = (mult_adds_line(t.mult_adds, noun),) if "mult_adds" in shown else ()
    if noun == LINEAR_LAYERS:
        maps = f"{plural(t.linear_layers, 'Linear layer')}, {t.linear_params:,} Linear parameters"
    else:
        kinds = Counter(_map_label(layer) for layer in report.layers)
        each = ", ".join(f"{n:,} {label}" for label, n in kinds.items())
        maps = (
            f"{plural(t.linear_maps, 'linear map')} ({each}), "
            f"{t.linear_map_params:,} parameters in linear maps"
        )
    return (
        maps,
        *mult_adds,
        f"{t.params:,} parameters in all ({t.trainable_params:,} trainable), "
        f"{format_bytes(t.param_bytes)} as {report.dtype}",
        f"input {inputs} → {output} on {report.device}",
    )


def _output(report: Report) -> str:
    """``output (2, 10)``; for a tuple, dict or ModelOutput of several tensors, the first
    few by place: ``outputs logits (2, 5, 50), past_key_values.0.0 (2, 2, 5, 8), 23 more``."""
    if len(report.outputs) <= 1:
        shape = report.output_shape
        return f"output {format_shape(shape) if shape is not None else '-'}"
    shown = [f"{visible(name)} {format_shape(shape)}" for name, shape in report.outputs[:_SHOWN]]
    more = len(report.outputs) - _SHOWN
    return "outputs " + ", ".join(shown) + (f", {more} more" if more > 0 else "")


def mult_adds_line(count: int, noun: str = LINEAR_LAYERS) -> str:
    """``609.8 K mult-adds in Linear layers (609,792)``: decimal units, as torchinfo's."""
    where = "Linear layers" if noun == LINEAR_LAYERS else noun
    exact = f"{count:,} mult-adds in {where}"
    if count < 1000:
        return exact
    size = float(count)
    for unit in ("K", "M", "G", "T", "P"):
        size /= 1000
        if size < 999.95 or unit == "P":
            return f"{size:,.1f} {unit} mult-adds in {where} ({count:,})"
    raise AssertionError("unreachable")


def fold_note(rows: Sequence[Row]) -> str | None:
    """What ×12 means, under a table that has folded rows."""
    folds = sorted({row.fold for row in rows if row.fold > 1})
    if not folds:
        return None
    marks = ", ".join(f"×{fold}" for fold in folds)
    return f"{marks}: identical blocks shown once, their params per block"


def summary(report: Report) -> str:
    """1 error, 2 warnings, 1 info."""
    counts = ((report.count(s), s) for s in ("error", "warning", "info"))
    parts = [plural(n, s) if s != "info" else f"{n} info" for n, s in counts if n]
    return ", ".join(parts) or "none"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def subject(report: Report) -> str:
    """What the rows are: nn.Linear layers, or linear maps when some are other modules
    (transformers' Conv1D)."""
    t = report.totals
    return LINEAR_MAPS if t.linear_maps > t.linear_layers else LINEAR_LAYERS


def title(report: Report) -> str:
    noun = subject(report)
    return f"{noun} in {visible(report.spec)}" if report.spec else noun
