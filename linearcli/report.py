"""The report: frozen values, no tensors, no modules. ``to_dict()`` is the JSON contract.

Later versions add fields; they never rename or remove one (``SCHEMA_VERSION`` says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from linearcli.errors import LinearcliError
from linearcli.records import Stats

SCHEMA_VERSION = 1

Severity = Literal["error", "warning", "info"]
Status = Literal["ok", "warning", "error", "not-called"]
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "layer": self.layer,
            "message": self.message,
            "fix": self.fix,
            "source": self.source,
        }


@dataclass(frozen=True)
class ParamInit:
    """One parameter's init: the scheme, what it implies, and what was observed."""

    scheme: str  # "default", a torch.nn.init scheme from the spec, or "custom"
    expected_bound: float | None
    expected_std: float | None
    observed: Stats | None  # None on the meta device

    def to_dict(self) -> dict[str, Any]:
        observed = self.observed
        return {
            "scheme": self.scheme,
            "expected_bound": self.expected_bound,
            "expected_std": self.expected_std,
            "min": observed.min if observed else None,
            "max": observed.max if observed else None,
            "mean": observed.mean if observed else None,
            "std": observed.std if observed else None,
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
    weight_shape: Shape
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
            "weight_range": _list(self.weight_range),
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
        }


@dataclass(frozen=True)
class Totals:
    linear_layers: int
    linear_params: int
    params: int
    trainable_params: int
    param_bytes: int
    mult_adds: int = 0  # every Linear's, summed

    def to_dict(self) -> dict[str, Any]:
        return {
            "linear_layers": self.linear_layers,
            "linear_params": self.linear_params,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "param_bytes": self.param_bytes,
            "mult_adds": self.mult_adds,
        }


@dataclass(frozen=True)
class Report:
    spec: str | None
    device: str
    dtype: str
    inputs: tuple[Shape, ...]
    output_shape: Shape | None
    layers: tuple[LayerReport, ...]
    totals: Totals
    diagnostics: tuple[Diagnostic, ...]

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


@dataclass(frozen=True)
class SpecFailure:
    """A spec that could not be checked (exit 2): the JSON ``error`` object."""

    code: str  # spec-error or build-error
    message: str
    source: str | None

    @classmethod
    def of(cls, error: LinearcliError) -> SpecFailure:
        return cls(error.code, error.message, error.location)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "source": self.source}


@dataclass(frozen=True)
class FileResult:
    """One spec of a ``check`` run: its report, or why there is none."""

    spec: str
    report: Report | None
    failure: SpecFailure | None = None

    def exit_code(self, *, strict: bool) -> int:
        if self.report is None:
            return 2
        return 1 if self.report.failed(strict=strict) else 0

    def to_dict(self) -> dict[str, Any]:
        if self.report is not None:
            return self.report.to_dict()
        assert self.failure is not None
        return {
            "schema_version": SCHEMA_VERSION,
            "spec": self.spec,
            "ok": False,
            "error": self.failure.to_dict(),
        }


@dataclass(frozen=True)
class CheckResult:
    files: tuple[FileResult, ...]
    strict: bool = False

    @property
    def exit_code(self) -> int:
        """The worst file wins: 2 (not checked) over 1 (findings) over 0."""
        return max((f.exit_code(strict=self.strict) for f in self.files), default=0)

    def count(self, severity: Severity) -> int:
        """Findings of this severity; a spec that could not be checked is one error too."""
        findings = sum(f.report.count(severity) for f in self.files if f.report is not None)
        return findings + (self.not_checked if severity == "error" else 0)

    @property
    def not_checked(self) -> int:
        return sum(1 for f in self.files if f.report is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "ok": self.exit_code == 0,
            "files": [f.to_dict() for f in self.files],
        }
