"""``check --fix`` and ``--diff``: a spec's safe fixes made, each verified before a byte
is written.

One finding at a time, its edits are made to the text in memory and the edited spec is
inspected again (from a hidden file beside the spec, so that a Python spec's imports of
its neighbours still work; removed at once). The edit stands only if its finding is gone
and no error appeared that was not there before; otherwise it is dropped and said. This
repeats, with a bound, until no finding has an edit left to try: a fixed in_features can
reveal the next layer's. The file is then replaced atomically, with its permissions, and
only if it is a regular file that has not changed on disk since it was read.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from linearcli.fix.edits import apply_edits
from linearcli.report import Diagnostic, Report

MAX_ROUNDS = 16  # edits tried per spec, verified or not

Inspect = Callable[[str], Report]  # a spec reference -> its report (rules applied)


@dataclass(frozen=True)
class Fixed:
    """A spec's verified fixes: its text before and after, and what could not be fixed."""

    path: str
    before: bytes
    after: str
    report: Report  # of the text after
    fixed: tuple[Diagnostic, ...]
    rejected: tuple[tuple[Diagnostic, str], ...]  # a finding whose edit did not verify, why

    def diff(self) -> str:
        before = self.before.decode("utf-8").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{self.path}", f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def fix_spec(
    reference: str, path: str, report: Report, inspect: Inspect, *, unsafe: bool = False
) -> Fixed | None:
    """The spec at ``path`` (``reference`` names it, ``file.py:NAME`` too) with every
    verified fix made in memory, the unsafe ones too with ``unsafe``; None where it has
    nothing to fix or is not a plain file."""
    allowed = ("safe", "unsafe") if unsafe else ("safe",)
    if not any(d.applicability in allowed for d in report.diagnostics) or not _plain_file(path):
        return None
    before = Path(path).read_bytes()
    try:
        text = before.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fixed: list[Diagnostic] = []
    rejected: list[tuple[Diagnostic, str]] = []
    tried: set[tuple[str, str | None, str]] = set()
    for _ in range(MAX_ROUNDS):
        finding = next(
            (d for d in report.diagnostics if d.applicability in allowed and _key(d) not in tried),
            None,
        )
        if finding is None:
            break
        tried.add(_key(finding))
        edited = apply_edits(text, finding.edits)
        try:
            after = _inspect_text(reference, path, edited, inspect)
        except Exception as exc:  # noqa: BLE001 - the edited spec is the user's code
            rejected.append((finding, f"the edited spec could not be inspected: {exc}"))
            continue
        problem = _not_verified(finding, report, after)
        if problem is not None:
            rejected.append((finding, problem))
            continue
        fixed.append(finding)
        text, report = edited, after
    if not fixed and not rejected:
        return None
    return Fixed(path, before, text, report, tuple(fixed), tuple(rejected))


def write_fixed(fixed: Fixed) -> str | None:
    """Replace the file with the fixed text; the reason where it was not written."""
    if not _plain_file(fixed.path):
        return "not a regular file: not written"
    current = Path(fixed.path)
    if current.read_bytes() != fixed.before:
        return "changed on disk since it was read: not written"
    mode = stat.S_IMODE(current.stat().st_mode)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{current.name}.", suffix=".linearcli-fix", dir=current.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(fixed.after.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, current)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return None


def _plain_file(path: str) -> bool:
    """A regular file, not a link (writing through a link would edit another file)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _key(finding: Diagnostic) -> tuple[str, str | None, str]:
    return finding.code, finding.layer, finding.message


def _not_verified(finding: Diagnostic, before: Report, after: Report) -> str | None:
    if any((d.code, d.layer) == (finding.code, finding.layer) for d in after.diagnostics):
        return "the edit did not remove the finding"
    old = {(d.code, d.layer) for d in before.diagnostics if d.severity == "error"}
    new = [d for d in after.diagnostics if d.severity == "error" and (d.code, d.layer) not in old]
    if new:
        return f"the edit would bring a new error: {new[0].code} {new[0].message}"
    return None


def _inspect_text(reference: str, path: str, text: str, inspect: Inspect) -> Report:
    """The report of ``text`` as the spec at ``path``, its lines naming ``path``."""
    original = Path(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{original.stem}-", suffix=original.suffix, dir=original.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        report = inspect(temporary + reference[len(path) :])
    finally:
        Path(temporary).unlink(missing_ok=True)

    def named(source: str | None) -> str | None:
        if source is None or not source.startswith(temporary + ":"):
            return source
        return path + source[len(temporary) :]

    diagnostics = tuple(replace(d, source=named(d.source)) for d in report.diagnostics)
    return replace(report, spec=reference, diagnostics=diagnostics)
