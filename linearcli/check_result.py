"""What a ``check`` run found, spec by spec: a report, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linearcli.errors import LinearcliError
from linearcli.report import SCHEMA_VERSION, Report, Severity


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
