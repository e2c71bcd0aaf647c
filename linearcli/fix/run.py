"""``check --fix`` and ``--diff`` over a run: each checked spec file with a safe fix is
fixed in memory and verified (apply.py), then written, or shown as a diff.

Only the spec files the run checked are touched: a YAML file or a ``.py`` file given by
path (``pkg.module:NAME`` resolves to an imported file, which is never written).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from linearcli.check import file_of
from linearcli.check_result import CheckResult, FileResult
from linearcli.fix.apply import Fixed, Inspect, fix_spec, write_fixed
from linearcli.guard import time_limit
from linearcli.options import RunOptions
from linearcli.report import Report
from linearcli.selection import FindingRules, apply
from linearcli.spec import YAML_SUFFIXES
from linearcli.suppress import SourceComments


@dataclass(frozen=True)
class FixRun:
    result: CheckResult  # the run, with each fixed spec's report after its fixes
    fixed: tuple[Fixed, ...]  # specs with at least one verified fix (written unless --diff)
    notes: tuple[str, ...]  # what could not be fixed or written, one line each

    @property
    def count(self) -> int:
        return sum(len(f.fixed) for f in self.fixed)

    def summary(self, *, written: bool) -> str:
        files = len(self.fixed)
        verb = "fixed" if written else "would fix"
        return (
            f"linearcli: {verb} {self.count} finding{'' if self.count == 1 else 's'} "
            f"in {files} file{'' if files == 1 else 's'}"
        )


def fix_run(
    result: CheckResult, inspect_for: Callable[[str], Inspect], *, write: bool, unsafe: bool
) -> FixRun:
    files: list[FileResult] = []
    fixed: list[Fixed] = []
    notes: list[str] = []
    seen: set[str] = set()  # a file named twice (a.py:A a.py:B) is fixed once
    for file in result.files:
        path = _writable_spec(file.spec)
        if path is not None and os.path.realpath(path) in seen:
            path = None
        done = None
        if file.report is not None and path is not None:
            seen.add(os.path.realpath(path))
            if any(d.edits for d in file.report.diagnostics) and os.path.islink(path):
                notes.append(f"{path}: a link, not a regular file: not fixed")
            inspect = inspect_for(file.spec)
            done = fix_spec(file.spec, path, file.report, inspect, unsafe=unsafe)
        if done is None:
            files.append(file)
            continue
        notes.extend(
            f"{finding.source or path}: {finding.code} not fixed: {why}"
            for finding, why in done.rejected
        )
        why_not = write_fixed(done) if write and done.fixed else None
        if why_not is not None:
            notes.append(f"{path}: {why_not}")
        if not done.fixed or why_not is not None:
            files.append(file)
            continue
        fixed.append(done)
        files.append(replace(file, report=done.report))
    return FixRun(replace(result, files=tuple(files)), tuple(fixed), tuple(notes))


def verifier(
    options_for: Callable[[str], RunOptions],
    rules: FindingRules,
    *,
    strict: bool,
    timeout: float | None,
) -> Callable[[str], Inspect]:
    """How a spec's edited text is inspected: as ``check`` inspected the spec itself, with
    its options, --select/--ignore and suppression comments, under the same time limit."""
    from linearcli.pipeline import inspect_spec

    def inspect_for(reference: str) -> Inspect:
        options = options_for(reference)

        def inspect(edited: str) -> Report:
            with time_limit(timeout):
                report = inspect_spec(edited, options)
            return apply(report, rules, report_unused=strict, comments=SourceComments())

        return inspect

    return inspect_for


def _writable_spec(reference: str) -> str | None:
    path = file_of(reference)
    return path if path.lower().endswith((*YAML_SUFFIXES, ".py")) else None
