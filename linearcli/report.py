"""The report: frozen values, no tensors, no modules. ``to_dict()`` is the JSON contract.

Later versions add fields; they never rename or remove one (``SCHEMA_VERSION`` says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from linearcli.changes import Change, Edit
from linearcli.records import Adapter, MapUse, Stats

if TYPE_CHECKING:
    from rich.console import RenderableType

SCHEMA_VERSION = 2

Severity = Literal["error", "warning", "info"]
Status = Literal["ok", "warning", "error", "not-called", "train-only"]
Shape = tuple[int, ...]


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    layer: str | None
    message: str
    fix: str | None = None
    source: str | None = None
    # PyTorch's traceback behind a forward-error: for --debug, not part of the JSON.
    traceback: str | None = field(default=None, compare=False, repr=False)
    # The path that led to ``source``, in the order the values flowed: (file:line, what
    # happened there), the source among them.
    trace: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # A fix that can be made mechanically: what to change, and where in the spec's text
    # (made by the pipeline from ``change``, for check --fix).
    change: Change | None = field(default=None, compare=False, repr=False)
    edits: tuple[Edit, ...] = field(default=(), compare=False)

    @property
    def applicability(self) -> str | None:
        """``safe``, ``unsafe`` (made with --unsafe-fixes only), or None: no edits."""
        if not self.edits or self.change is None:
            return None
        return "safe" if self.change.safe else "unsafe"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "layer": self.layer,
            "message": self.message,
            "fix": self.fix,
            "source": self.source,
            "trace": [{"source": where, "what": what} for where, what in self.trace],
            "edits": [edit.to_dict() for edit in self.edits],
            "applicability": self.applicability,
        }


@dataclass(frozen=True)
class ParamInit:
    """One parameter's init: the scheme, what it implies, and what was observed."""

    # The spec's torch.nn.init scheme; else the one the values look like ("default",
    # "normal_(std=0.02)", "zeros_"...), or "custom" where none fits.
    scheme: str
    expected_bound: float | None
    expected_std: float | None
    observed: Stats | None  # None on the meta device
    declared: bool = False  # the scheme is the spec's init:, not read from the values

    def to_dict(self) -> dict[str, Any]:
        observed = self.observed
        return {
            "scheme": self.scheme,
            "declared": self.declared,
            "expected_bound": self.expected_bound,
            "expected_std": self.expected_std,
            "min": _number(observed.min) if observed else None,
            "max": _number(observed.max) if observed else None,
            "mean": _number(observed.mean) if observed else None,
            "std": _number(observed.std) if observed else None,
            "non_finite": observed.non_finite if observed else None,
        }


@dataclass(frozen=True)
class InitAudit:
    weight: ParamInit
    bias: ParamInit | None

    def to_dict(self) -> dict[str, Any]:
        return {"weight": self.weight.to_dict(), "bias": self.bias.to_dict() if self.bias else None}


@dataclass(frozen=True)
class LayerReport:
    name: str
    type: str
    in_features: int
    out_features: int
    weight_shape: Shape  # (out_features, in_features), as applied
    bias_shape: Shape | None
    params: int
    init_bound: float | None  # 1/sqrt(in_features); None while a LazyLinear has no in_features
    weight_range: tuple[float, float] | None
    calls: int
    input_shape: Shape | None
    output_shape: Shape | None
    status: Status
    source: str | None
    used_by: str | None = None  # a parent that uses this weight without calling the layer
    init: InitAudit | None = None
    mult_adds: int = 0  # over every call: prod(leading axes) * in * out, no bias adds
    output_bytes: int = 0  # over every call, at the weight dtype's element size
    params_percent: float = 0.0  # of Totals.params
    # The module that decided the size of its first input ("(input)": the model's input).
    input_from: str | None = None
    kind: str = "Linear"  # how the map is computed: "Linear", "module" (records.MODULE)
    # The weight as kept where that is not weight_shape: (in, out) for transformers'
    # Conv1D, (experts, ...) for a bank of experts.
    stored_shape: Shape | None = None
    tied_to: tuple[str, ...] = ()  # other modules holding the same weight (tied embeddings)
    weight_layout: str = "(out, in)"  # each matrix as kept: as nn.Linear, or "(in, out)"
    adapters: tuple[Adapter, ...] = ()  # LoRA adapters on this layer (peft)
    uses: tuple[MapUse, ...] = ()  # operations that applied the weight, seen by the op watcher

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "in_features": self.in_features,
            "out_features": self.out_features,
            "weight_shape": list(self.weight_shape),
            "bias_shape": _list(self.bias_shape),
            "params": self.params,
            "init_bound": self.init_bound,
            "weight_range": _list(self.weight_range and tuple(map(_number, self.weight_range))),
            "calls": self.calls,
            "input_shape": _list(self.input_shape),
            "output_shape": _list(self.output_shape),
            "status": self.status,
            "source": self.source,
            "used_by": self.used_by,
            "init": self.init.to_dict() if self.init else None,
            "mult_adds": self.mult_adds,
            "output_bytes": self.output_bytes,
            "params_percent": self.params_percent,
            "input_from": self.input_from,
            "kind": self.kind,
            "stored_shape": list(self.stored_shape or self.weight_shape),
            "weight_layout": self.weight_layout,
            "tied_to": list(self.tied_to),
            "adapters": [
                {
                    "name": a.name,
                    "rank": a.rank,
                    "a_shape": list(a.a_shape),
                    "b_shape": list(a.b_shape),
                    "params": a.params,
                }
                for a in self.adapters
            ],
            "uses": [
                {
                    "by": use.by,
                    "op": use.op,
                    "input_shape": _list(use.input_shape),
                    "output_shape": _list(use.output_shape),
                    "source": use.source,
                }
                for use in self.uses
            ],
        }


@dataclass(frozen=True)
class Totals:
    linear_layers: int
    linear_params: int
    params: int
    trainable_params: int
    param_bytes: int
    mult_adds: int = 0  # every row's, summed
    linear_maps: int = 0  # rows: nn.Linear layers and other linear maps
    linear_map_params: int = 0  # their weights and biases, each tensor once

    def to_dict(self) -> dict[str, Any]:
        return {
            "linear_layers": self.linear_layers,
            "linear_params": self.linear_params,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "param_bytes": self.param_bytes,
            "mult_adds": self.mult_adds,
            "linear_maps": self.linear_maps,
            "linear_map_params": self.linear_map_params,
        }


@dataclass(frozen=True, repr=False)
class Report:
    spec: str | None
    device: str
    dtype: str
    inputs: tuple[Shape, ...]
    output_shape: Shape | None
    layers: tuple[LayerReport, ...]
    totals: Totals
    diagnostics: tuple[Diagnostic, ...]
    # Every tensor of the output, by place ("" for a lone tensor); output_shape: the first.
    outputs: tuple[tuple[str, Shape], ...] = ()

    def __repr__(self) -> str:
        """One line, for a notebook's text output and logs: spec, layers, params, verdict."""
        from linearcli.notebook import report_repr

        return report_repr(self)

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the table and the findings, as HTML."""
        from linearcli.notebook import report_html

        return report_html(self)

    def _repr_markdown_(self) -> str:
        from linearcli.notebook import report_markdown

        return report_markdown(self)

    def __rich__(self) -> RenderableType:
        """``rich.print(report)``: the terminal table."""
        from linearcli.render import render_table

        return render_table(self)

    @property
    def ok(self) -> bool:
        """No error-level finding."""
        return not self.count("error")

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity == severity)

    def failed(self, *, strict: bool = False) -> bool:
        """Whether this report fails a check: errors, or with ``strict`` warnings too."""
        return not self.ok or (strict and self.count("warning") > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "spec": self.spec,
            "device": self.device,
            "dtype": self.dtype,
            "inputs": [list(shape) for shape in self.inputs],
            "output_shape": _list(self.output_shape),
            "outputs": [{"name": name, "shape": list(shape)} for name, shape in self.outputs],
            "ok": self.ok,
            "layers": [layer.to_dict() for layer in self.layers],
            "totals": self.totals.to_dict(),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def format_shape(shape: Sequence[int] | None) -> str:
    """(3, 784), (256,), or - for no shape."""
    if shape is None:
        return "-"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(size) for size in shape) + ")"


def format_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _list(value: tuple[Any, ...] | None) -> list[Any] | None:
    return None if value is None else list(value)


def _number(value: float) -> float | None:
    """JSON has no NaN or Infinity: such a value is null (and non_finite counts them)."""
    return value if math.isfinite(value) else None
