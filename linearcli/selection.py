"""Which findings count: ruff-style ``select``/``ignore`` and inline suppression comments.

A selector names a code or a prefix of codes at a ``-`` boundary (``init`` selects
``init-outlier``), or ``ALL``. Where a code matches both a select and an ignore
selector, the more specific (longer) selector wins and a tie goes to ignore, as in ruff.
A comment on the line a finding points at suppresses it: ``# linearcli: ignore[CODE, ...]``
or ``# noqa: CODE, ...`` (bare, either one suppresses every code on that line).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from linearcli.codes import FINDING_CODES
from linearcli.errors import SpecError
from linearcli.report import Diagnostic, Report, Status
from linearcli.suppress import SourceComments, Suppression

# Every finding code a report can hold (a file that could not be checked is no finding).
CODES: tuple[str, ...] = FINDING_CODES
ALL = "ALL"
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class FindingRules:
    """One layer of select/ignore; ``base`` is the layer below (config under the CLI).

    As in ruff, a layer with its own ``select`` starts afresh and ``base`` no longer counts.
    """

    select: tuple[str, ...] | None = None  # None: what base selects (no base: every code)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    base: FindingRules | None = None

    def selects(self, code: str) -> bool:
        chosen = _specificity((*(self.select or ()), *self.extend_select), code)
        ignored = _specificity(self.ignore, code)
        if chosen is None and ignored is None:
            if self.select is not None:
                return False
            return self.base.selects(code) if self.base is not None else True
        return chosen is not None and (ignored is None or chosen > ignored)


def rules_from(
    select: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    *,
    base: FindingRules | None = None,
    prefix: str = "",
    path: str | None = None,
) -> FindingRules:
    """Validated rules; an item may hold several selectors split by commas.

    ``prefix`` goes before the option's name in messages (``--`` for flags); ``path`` is
    the file they came from. An unknown selector is a :class:`SpecError`.
    """
    lists = {"select": select, "ignore": ignore, "extend-select": extend_select}
    parsed = {name: _selectors(items, prefix + name, path) for name, items in lists.items()}
    return FindingRules(
        None if select is None else parsed["select"],
        parsed["ignore"],
        parsed["extend-select"],
        base,
    )


def layer_status(findings: Iterable[Diagnostic]) -> Status:
    """A layer's status from its findings: error, then not-called, then warning, then
    train-only, else ok."""
    found = list(findings)
    if any(f.severity == "error" for f in found):
        return "error"
    if any(f.code == "not-called" for f in found):
        return "not-called"
    if any(f.severity == "warning" for f in found):
        return "warning"
    return "train-only" if any(f.code == "train-only" for f in found) else "ok"


def apply(
    report: Report,
    rules: FindingRules,
    *,
    report_unused: bool,
    comments: SourceComments | None = None,
) -> Report:
    """The report with only the selected, unsuppressed findings and statuses to match.

    With ``report_unused`` a suppression comment on a line that a layer or finding of
    this report points at, naming a selected code that it did not suppress (or an
    unknown code), becomes an ``unused-suppression`` warning.
    """
    comments = comments or SourceComments()
    used: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    kept: list[Diagnostic] = []
    for finding in report.diagnostics:
        if not rules.selects(finding.code):
            continue
        where = _location(finding.source)
        suppressed = False
        if where is not None:
            path, line = where
            for index, suppression in enumerate(comments.at(path, line)):
                if suppression.covers(finding.code):
                    used[path, line, index].add(finding.code)
                    suppressed = True
        if not suppressed:
            kept.append(finding)
    if report_unused and rules.selects("unused-suppression"):
        sources = [layer.source for layer in report.layers]
        sources += [finding.source for finding in report.diagnostics]
        lines = sorted({where for where in map(_location, sources) if where is not None})
        for path, line in lines:
            for index, suppression in enumerate(comments.at(path, line)):
                unused = _unused(
                    suppression, used.get((path, line, index), set()), rules, path, line
                )
                if unused is not None:
                    kept.append(unused)
    by_layer: dict[str, list[Diagnostic]] = defaultdict(list)
    for finding in kept:
        if finding.layer is not None:
            by_layer[finding.layer].append(finding)
    return replace(
        report,
        layers=tuple(replace(la, status=layer_status(by_layer[la.name])) for la in report.layers),
        diagnostics=tuple(sorted(kept, key=lambda d: _SEVERITY_ORDER[d.severity])),
    )


def _specificity(selectors: Iterable[str], code: str) -> int | None:
    """How specific the most specific selector matching ``code`` is (ALL: 0), or None."""
    lengths = [
        0 if s == ALL else len(s)
        for s in selectors
        if s == ALL or code == s or code.startswith(s + "-")
    ]
    return max(lengths, default=None)


def _selectors(items: Iterable[str] | None, option: str, path: str | None) -> tuple[str, ...]:
    if isinstance(items, str):
        items = (items,)
    found: list[str] = []
    for item in items or ():
        for raw in item.split(","):
            selector = raw.strip()
            if not selector:
                continue
            selector = ALL if selector.upper() == ALL else selector.lower()
            if selector != ALL and not _known(selector):
                raise SpecError(f"{option}: {_unknown(selector)}", path=path)
            found.append(selector)
    return tuple(found)


def _known(selector: str) -> bool:
    return any(_specificity((selector,), code) is not None for code in CODES)


def _unknown(name: str) -> str:
    prefixes = {code[:i] for code in CODES for i, c in enumerate(code) if c == "-"}
    close = difflib.get_close_matches(name, [*CODES, *sorted(prefixes), ALL], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; the codes are {', '.join(CODES)}"
    return f"unknown finding code {name!r}{hint}"


def _location(source: str | None) -> tuple[str, int] | None:
    """``path:line`` -> (path, line); None for a source without a line."""
    path, _, line = (source or "").rpartition(":")
    return (path, int(line)) if path and line.isdigit() else None


def _unused(
    suppression: Suppression, used: set[str], rules: FindingRules, path: str, line: int
) -> Diagnostic | None:
    """The finding for a comment that suppressed none of the selected codes it names."""
    named = suppression.codes
    if suppression.bare_noqa or (named and "unused-suppression" in named):
        return None
    if named is None:
        problems = [] if used else ["it suppresses no finding"]
    else:
        unused = [code for code in named if code not in used and rules.selects(code)]
        problems = [f"no {code} finding to suppress" for code in unused]
        problems += [_unknown(name) for name in suppression.unknown]
    if not problems:
        return None
    message = f"unused suppression {suppression.text} on line {line}: {'; '.join(problems)}"
    return Diagnostic(
        "warning", "unused-suppression", None, message, "remove the comment", f"{path}:{line}"
    )
