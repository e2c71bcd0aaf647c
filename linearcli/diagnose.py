"""Pure functions: trace records -> findings. No torch here, only recorded facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from linearcli.report import Diagnostic, Severity

if TYPE_CHECKING:
    from linearcli.trace import LinearRecord, Trace

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def diagnose(trace: Trace, sources: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    findings: list[Diagnostic] = []
    if trace.failure is not None:
        failure = trace.failure
        findings.append(
            Diagnostic(
                severity="error",
                code="forward-error",
                layer=failure.module,
                message=(
                    f"the forward pass raised {failure.exception_type} in {failure.module} "
                    f"({failure.module_type}): {failure.message}"
                ),
                source=sources.get(failure.module),
            )
        )
    for record in trace.linears:
        if not record.calls and record.used_by is None:
            findings.append(_not_called(record, trace, sources))
    return tuple(sorted(findings, key=lambda d: SEVERITY_ORDER[d.severity]))


def _not_called(record: LinearRecord, trace: Trace, sources: Mapping[str, str]) -> Diagnostic:
    severity: Severity = "warning"
    if trace.failure is not None:
        # Not dead code: the failure stopped the pass before this layer's turn.
        severity = "info"
        message = (
            f"{record.name} did not run: the forward pass stopped at {trace.failure.module} first"
        )
        fix = None
    else:
        message = f"{record.name} ({_describe(record)}) is never called by the forward pass"
        fix = f"call self.{record.name} in forward(), or delete it ({record.params:,} parameters)"
    return Diagnostic(
        severity=severity,
        code="not-called",
        layer=record.name,
        message=message,
        fix=fix,
        source=sources.get(record.name),
    )


def _describe(record: LinearRecord) -> str:
    return f"{record.type_name} {record.in_features}->{record.out_features}"
