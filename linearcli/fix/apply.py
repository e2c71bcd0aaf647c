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
from linearcli.guard import SpecTimedOut
from linearcli.records import ROOT_NAME
from linearcli.report import Diagnostic, Report

MAX_ROUNDS = 100  # edits tried per spec, verified or not

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
        """A unified diff that ``patch`` and ``git apply`` take: lines split on newlines
        only, and a file's last line without one marked as such."""
        name = self.path.lstrip("/")
        lines = difflib.unified_diff(
            _lines(self.before.decode("utf-8")), _lines(self.after), f"a/{name}", f"b/{name}"
        )
        return "".join(
            line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
            for line in lines
        )


def _lines(text: str) -> list[str]:
    """``text`` in lines, each with its newline; a form feed or U+2028 is not a break."""
    parts = text.split("\n")
    return [f"{part}\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


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
        except (Exception, SpecTimedOut) as exc:  # the edited spec is the user's code
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
    if not os.access(current, os.W_OK):
        return "read-only: not written"
    mode = stat.S_IMODE(current.stat().st_mode)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{current.name}.", suffix=".linearcli-fix", dir=current.parent
        )
    except OSError as exc:
        return f"could not be written: {exc.strerror or exc}"
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(fixed.after.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, current)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        return f"could not be written: {exc.strerror or exc}"
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


def _identity(finding: Diagnostic) -> tuple[str, str | None, str | None]:
    """What makes a finding the same one after an edit: its code and layer, and its line
    where it has no layer of its own (two views in one forward are two findings)."""
    own = finding.layer not in (None, ROOT_NAME)
    return finding.code, finding.layer, None if own else finding.source


def _not_verified(finding: Diagnostic, before: Report, after: Report) -> str | None:
    if any(_identity(d) == _identity(finding) for d in after.diagnostics):
        return "the edit did not remove the finding"
    old = {_identity(d) for d in before.diagnostics if d.severity == "error"}
    new = [d for d in after.diagnostics if d.severity == "error" and _identity(d) not in old]
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

    return _renamed(replace(report, spec=reference), temporary, path)


def _renamed(report: Report, temporary: str, path: str) -> Report:
    """The report with every mention of the temporary file naming the spec's."""
    spellings = sorted({temporary, os.path.normpath(temporary)}, key=len, reverse=True)

    def named(text: str) -> str:
        for spelling in spellings:
            text = text.replace(spelling, path)
        return text

    diagnostics = tuple(
        replace(
            d,
            message=named(d.message),
            fix=None if d.fix is None else named(d.fix),
            source=None if d.source is None else named(d.source),
            trace=tuple((named(where), named(what)) for where, what in d.trace),
        )
        for d in report.diagnostics
    )
    layers = tuple(
        replace(layer, source=None if layer.source is None else named(layer.source))
        for layer in report.layers
    )
    return replace(report, diagnostics=diagnostics, layers=layers)
