"""One finding, one line: in linter text, GitHub workflow commands and check summaries."""

from __future__ import annotations

import pytest

from linearcli.check_result import CheckResult, FileResult, SpecFailure
from linearcli.lines import (
    check_summary,
    finding_lines,
    one_line,
    render_check_github,
    render_check_text,
)
from linearcli.report import Diagnostic, Report, Totals

TOTALS = Totals(linear_layers=0, linear_params=0, params=0, trainable_params=0, param_bytes=0)


def report(*diagnostics: Diagnostic) -> Report:
    return Report("m.py", "cpu", "float32", ((2, 4),), None, (), TOTALS, diagnostics)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("first\nsecond", "first; second"),
        ("first\r\n  second\n\nthird", "first; second; third"),
        ("tab\there", "tab here"),
        ("clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"),
        ("bell\x07", "bell\\x07"),
        ("line\u2028separator", "line; separator"),
        ("  trailing\n", "trailing"),
    ],
)
def test_one_line(text: str, expected: str) -> None:
    assert one_line(text) == expected


MULTILINE = Diagnostic(
    "error",
    "forward-error",
    "fc",
    "the forward pass raised ValueError in fc (Linear): bad\n::error file=x::injected",
    source="m.py:7",
)


def test_a_message_with_newlines_stays_one_finding_line() -> None:
    [line] = finding_lines(report(MULTILINE), "m.py")
    assert line == (
        "m.py:7: error[forward-error] fc: the forward pass raised ValueError in fc (Linear): "
        "bad; ::error file=x::injected"
    )


def test_check_text_and_github_have_one_line_per_finding() -> None:
    failure = SpecFailure("spec-error", "invalid YAML:\nline two", "bad.yaml:3")
    result = CheckResult(
        (FileResult("m.py", report(MULTILINE)), FileResult("bad.yaml", None, failure))
    )
    text = render_check_text(result).splitlines()
    assert len(text) == 3
    assert text[1] == "bad.yaml:3: error[spec-error] invalid YAML:; line two"
    github = render_check_github(result).splitlines()
    assert len(github) == 3
    assert github[0].startswith("::error file=m.py,line=7,title=linearcli forward-error::fc: ")
    assert github[0].endswith("bad; ::error file=x::injected")
    assert all(not line.startswith("::error file=x") for line in github)


def test_a_spec_that_could_not_be_checked_counts_as_an_error() -> None:
    failure = SpecFailure("spec-error", "invalid YAML: mapping values are not allowed", "a.yaml:2")
    result = CheckResult((FileResult("a.yaml", None, failure), FileResult("m.py", report())))
    assert result.count("error") == 1 and result.exit_code == 2
    assert check_summary(result) == "linearcli: 2 specs checked: 1 error, 0 warnings, 1 not checked"
