"""How well linearcli diagnoses the corpus: per case and in total.

Every file under broken/ and correct/ is a Python spec with an ``EXPECTED`` dict (what
is wrong, the layer, the line to edit, the numbers the right fix contains and the ones a
wrong fix would). Each is inspected once, in process, as ``linearcli inspect`` would, and
scored on the measures of issue 14:

- detected: a broken case gets a warning or an error;
- layer: a finding names the expected layer;
- line: a finding points at the line to edit;
- number: a finding's fix contains every number the right fix needs;
- no wrong advice: no finding's fix contains a number a wrong fix would;
- silent: a silent case (plain PyTorch raises nothing) is detected;
- clean: a correct case gets no warning and no error;
- one run: every expected finding of a case is found in the one run;
- fixed by --fix: a case with a safe fix (a finding with safe edits) has none left after
  ``check --fix`` makes them, verified, in a copy of the file (issue 18).

``python -m tests.diagnosis.score`` prints the table; tests/test_diagnosis_corpus.py holds
the rates to their floors and to issue 14's bar.
"""

from __future__ import annotations

import re
import runpy
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MEASURES = (
    "detected",
    "layer",
    "line",
    "number",
    "no wrong advice",
    "silent",
    "clean",
    "one run",
    "fixed by --fix",
)


@dataclass(frozen=True)
class Case:
    path: Path
    expected: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def broken(self) -> bool:
        return bool(self.expected["findings"])


@dataclass(frozen=True)
class Score:
    case: Case
    marks: dict[str, bool]  # measure -> passed, for the measures that apply to the case
    found: tuple[str, ...]  # "severity[code] layer" of each finding, for the table


def cases(root: Path = HERE) -> list[Case]:
    found = []
    for folder in ("broken", "correct"):
        for path in sorted((root / folder).glob("*.py")):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = runpy.run_path(str(path))["EXPECTED"]
            found.append(Case(path, expected))
    return found


def score(case: Case) -> Score:
    from linearcli.errors import LinearcliError
    from linearcli.pipeline import inspect_spec

    reference = str(case.path.relative_to(ROOT))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            diagnostics = [d.to_dict() for d in inspect_spec(reference).diagnostics]
    except LinearcliError as exc:  # the spec could not be checked: nothing was found
        diagnostics = [
            {
                "severity": "error",
                "code": exc.code,
                "layer": None,
                "message": str(exc),
                "fix": None,
                "source": exc.location,
            }
        ]
    serious = [d for d in diagnostics if d["severity"] in ("error", "warning")]
    shown = tuple(f"{d['severity']}[{d['code']}] {d['layer']}" for d in serious)
    if not case.broken:
        return Score(case, {"clean": not serious}, shown)
    expected = case.expected["findings"]
    matched = [_matching(want, serious, reference) for want in expected]
    marks = {"detected": bool(serious)}
    layers = [want["layer"] for want in expected if want["layer"] is not None]
    if layers:  # a mistake in forward() code (a view) has a line, not a layer
        marks["layer"] = all(any(d["layer"] == layer for d in serious) for layer in layers)
    marks["line"] = all(
        any(_at_line(d, reference, want["line"]) for d in serious) for want in expected
    )
    numbers = [
        (number, found)
        for want, found in zip(expected, matched, strict=True)
        for number in want["numbers"]
    ]
    if numbers:
        marks["number"] = all(any(_contains(d, n) for d in found) for n, found in numbers)
    marks["no wrong advice"] = not any(
        _contains(d, number, fix_only=True)
        for want in expected
        for number in want["wrong"]
        for d in serious
    )
    marks["one run"] = all(matched)
    if case.expected["silent"]:
        marks["silent"] = bool(serious)
    if any(d.get("applicability") == "safe" for d in diagnostics):
        marks["fixed by --fix"] = _fixed(case)
    return Score(case, marks, shown)


def _fixed(case: Case) -> bool:
    """Whether check --fix, on a copy of the case, leaves no finding with a safe fix."""
    from linearcli.fix.apply import fix_spec
    from linearcli.pipeline import inspect_spec

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / case.path.name
        shutil.copyfile(case.path, copy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            done = fix_spec(str(copy), str(copy), inspect_spec(str(copy)), inspect_spec)
    return done is not None and not any(d.applicability == "safe" for d in done.report.diagnostics)


def _matching(
    want: dict[str, Any], found: Iterable[dict[str, Any]], reference: str
) -> list[dict[str, Any]]:
    """The findings about this mistake: on its layer, or at its line."""
    return [
        d
        for d in found
        if (want["layer"] is not None and d["layer"] == want["layer"])
        or _at_line(d, reference, want["line"])
    ]


def _at_line(finding: dict[str, Any], reference: str, line: int) -> bool:
    return finding.get("source") == f"{reference}:{line}"


def _contains(finding: dict[str, Any], number: int, *, fix_only: bool = False) -> bool:
    text = finding.get("fix") or ""
    if not fix_only:
        text += " " + (finding.get("message") or "")
    return re.search(rf"(?<![\d.]){number}(?![\d.])", text) is not None


def rates(scores: Iterable[Score]) -> dict[str, tuple[int, int]]:
    """measure -> (passed, applicable)."""
    totals = {measure: [0, 0] for measure in MEASURES}
    for s in scores:
        for measure, passed in s.marks.items():
            totals[measure][0] += passed
            totals[measure][1] += 1
    return {measure: (passed, count) for measure, (passed, count) in totals.items()}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    scores = [score(case) for case in cases()]
    width = max(len(s.case.name) for s in scores)
    for s in scores:
        marks = " ".join(
            f"{measure}={'yes' if s.marks[measure] else 'NO'}"
            for measure in MEASURES
            if measure in s.marks
        )
        print(f"{s.case.name:<{width}}  {marks}  {'; '.join(s.found) or '-'}")
    print()
    for measure, (passed, count) in rates(scores).items():
        share = f"{100 * passed / count:.0f}%" if count else "-"
        print(f"{measure:<16} {passed:>3} / {count:<3} {share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
