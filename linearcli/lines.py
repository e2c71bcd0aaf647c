"""One line per finding: linter text, GitHub workflow commands, and the check summary.

Never prints: every function returns text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from linearcli.check_result import CheckResult, FileResult, SpecFailure
from linearcli.escape import one_line, visible
from linearcli.report import Diagnostic, Report

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def finding_lines(report: Report, spec: str) -> Iterator[str]:
    """``path:line: error[code] layer: message (fix: ...)``, one per finding."""
    for d in report.diagnostics:
        layer = f" {visible(d.layer)}:" if d.layer is not None else ""
        fix = f" (fix: {d.fix})" if d.fix else ""
        yield one_line(f"{d.source or spec}: {d.severity}[{d.code}]{layer} {d.message}{fix}")


def failure_line(spec: str, failure: SpecFailure) -> str:
    return one_line(f"{failure.source or spec}: error[{failure.code}] {failure.message}")


def render_check_text(result: CheckResult) -> str:
    lines = [line for file in result.files for line in _file_lines(file)]
    return "\n".join([*lines, check_summary(result)]) + "\n"


def _file_lines(file: FileResult) -> Iterator[str]:
    if file.report is not None:
        yield from finding_lines(file.report, file.spec)
    elif file.failure is not None:
        yield failure_line(file.spec, file.failure)


def file_outcome(file: FileResult) -> str:
    """How one spec of a check run ended: "ok", "1 error, 2 warnings", "not checked: ..."."""
    if file.report is None:
        reason = file.failure.message if file.failure is not None else "unknown"
        return one_line(f"not checked: {reason}")
    counts = [
        _plural(file.report.count(s), s) for s in ("error", "warning") if file.report.count(s)
    ]
    return ", ".join(counts) or "ok"


def check_summary(result: CheckResult) -> str:
    """linearcli: 3 specs checked: 2 errors, 1 warning, 1 not checked.

    A spec that could not be checked (invalid YAML, a model that cannot be built) is an
    error in that file, and is counted with the errors as well as on its own.
    """
    specs = len(result.files)
    parts = [
        _plural(result.count("error"), "error"),
        _plural(result.count("warning"), "warning"),
    ]
    if result.not_checked:
        parts.append(f"{result.not_checked} not checked")
    checked = f"{specs} spec{'' if specs == 1 else 's'} checked"
    return f"linearcli: {checked}: {', '.join(parts)}"


def render_check_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: findings appear on the pull request's lines."""
    lines = []
    for file in result.files:
        if file.report is not None:
            for d in file.report.diagnostics:
                lines.append(_github(d.severity, d.source or file.spec, d.code, _with_fix(d)))
        elif file.failure is not None:
            failure = file.failure
            lines.append(
                _github("error", failure.source or file.spec, failure.code, failure.message)
            )
    lines.append(check_summary(result))
    return "\n".join(lines) + "\n"


def render_check_json(result: CheckResult) -> str:
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def _github(severity: str, location: str, code: str, message: str) -> str:
    path, separator, line = location.rpartition(":")
    if not (separator and line.isdigit()):
        path, line = location, ""
    properties = f"file={_property(visible(path))}" + (f",line={line}" if line else "")
    properties += f",title={_property(f'linearcli {code}')}"
    return f"::{_GITHUB_LEVEL[severity]} {properties}::{_data(one_line(message))}"


def _with_fix(d: Diagnostic) -> str:
    prefix = f"{visible(d.layer)}: " if d.layer is not None else ""
    return prefix + d.message + (f" (fix: {d.fix})" if d.fix else "")


def _data(text: str) -> str:
    """GitHub's escaping for a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """GitHub's escaping for a workflow command's property values."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
