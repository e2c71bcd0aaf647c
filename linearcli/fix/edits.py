"""Where a fix goes in a spec's text: edits computed from source positions, never found by
searching the text.

A finding that carries a ``Change`` (in the call on its line, set this argument from
``old`` to ``new``) becomes an edit here: in a YAML spec from PyYAML's node marks
(yaml_edits.py), in a Python spec from ``ast`` positions (python_edits.py). Each edit is
checked against the text it spans before it is kept. Every byte outside the edited
spans stays as it was: comments, quoting, key order, layout.

Positions are 1-based lines and 1-based columns counted in characters, as ruff's and
SARIF's are.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from linearcli.changes import Edit
from linearcli.fix.python_edits import python_edit
from linearcli.fix.yaml_edits import yaml_edit
from linearcli.report import Diagnostic, Report


def with_edits(report: Report, path: str | None) -> Report:
    """The report with the edits of every finding that carries a change in the spec's
    file (read once); as it is where none does."""
    if path is None or not any(d.change is not None for d in report.diagnostics):
        return report
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return report
    diagnostics = tuple(
        replace(d, edits=edits_for(d, path, text)) if d.change is not None else d
        for d in report.diagnostics
    )
    return replace(report, diagnostics=diagnostics)


def edits_for(finding: Diagnostic, path: str, text: str) -> tuple[Edit, ...]:
    """The edits that make ``finding``'s change in ``text`` (the file at ``path``); none
    where the change is not a literal on the finding's line of this file."""
    change, line = finding.change, _line_in(finding.source, path)
    if change is None or line is None:
        return ()
    if path.lower().endswith((".yaml", ".yml")):
        edit = yaml_edit(change, line, text, path)
    else:
        edit = python_edit(change, line, text)
    if edit is None:
        return ()
    spanned = "".join(_spanned(text, edit).split())
    if change.argument == "flatten":  # what it wraps must be what it spans
        wrapped = spanned in "".join(edit.content.split())
    else:
        wrapped = spanned == "".join(change.old.split())
    return (edit,) if wrapped else ()  # a position read wrong edits nothing


def apply_edits(text: str, edits: tuple[Edit, ...]) -> str:
    """``text`` with the edits made; they must not overlap."""
    starts = _line_starts(text)
    spans = sorted(
        ((_offset(starts, e.start), _offset(starts, e.end), e.content) for e in edits),
        reverse=True,
    )
    for (start, _, _), (_, end, _) in zip(spans, spans[1:], strict=False):
        if end > start:
            raise ValueError("overlapping edits")
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _line_in(source: str | None, path: str) -> int | None:
    """The line of ``source`` (``file:line``) where ``file`` is ``path``."""
    if source is None or ":" not in source:
        return None
    file, _, number = source.rpartition(":")
    return int(number) if file == path and number.isdigit() else None


def _spanned(text: str, edit: Edit) -> str:
    starts = _line_starts(text)
    if max(edit.start[0], edit.end[0]) > len(starts):
        return ""
    return text[_offset(starts, edit.start) : _offset(starts, edit.end)]


def _offset(starts: list[int], position: tuple[int, int]) -> int:
    return starts[position[0] - 1] + position[1] - 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts
