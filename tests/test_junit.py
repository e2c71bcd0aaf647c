"""JUnit XML output of ``check``, read back by ElementTree and junitparser; statistics."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from linearcli.check import check_specs
from linearcli.check_result import CheckResult, FileResult, SpecFailure
from linearcli.codes import Finding
from linearcli.junit import finding_lines, render_check_junit, xml_text
from linearcli.options import RunOptions
from linearcli.report import Diagnostic, Report, Totals
from linearcli.statistics import statistics_lines

ROOT = Path(__file__).resolve().parent.parent
TOTALS = Totals(linear_layers=0, linear_params=0, params=0, trainable_params=0, param_bytes=0)
THREE = "specs/broken/three_mismatches.yaml"
CNN = "specs/broken/cnn_no_flatten.yaml"
CONSTANT = "specs/broken/constant_init.yaml"
MISSING = "specs/broken/missing.yaml"
CLEAN = "specs/mlp.yaml"


def check(specs: list[str]) -> CheckResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return check_specs(specs, lambda ref: RunOptions())


@pytest.fixture(scope="module")
def real_run() -> CheckResult:
    return check([THREE, CNN, CONSTANT, MISSING, CLEAN])


@pytest.fixture(scope="module")
def real_xml(real_run: CheckResult) -> Iterator[ET.Element]:
    text = render_check_junit(real_run)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    yield ET.fromstring(text)


def report(*diagnostics: Diagnostic) -> Report:
    return Report("m.yaml", "cpu", "float32", ((2, 4),), None, (), TOTALS, diagnostics)


def test_one_suite_one_case_per_spec(real_xml: ET.Element) -> None:
    assert real_xml.tag == "testsuites"
    [suite] = real_xml
    assert suite.tag == "testsuite"
    counts = {"tests": "5", "failures": "2", "errors": "1", "skipped": "0"}
    assert {k: suite.get(k) for k in counts} == counts
    assert {k: real_xml.get(k) for k in counts} == counts
    assert suite.get("name") == "linearcli"
    assert [(case.get("classname"), case.get("name")) for case in suite] == [
        ("linearcli", spec) for spec in (THREE, CNN, CONSTANT, MISSING, CLEAN)
    ]


def test_every_error_finding_is_a_failure(real_xml: ET.Element) -> None:
    suite = real_xml.find("testsuite")
    assert suite is not None
    three, cnn, constant, missing, clean = suite
    failures = three.findall("failure")
    assert [f.get("type") for f in failures] == ["in-features-mismatch"] * 3
    messages = [f.get("message") or "" for f in failures]
    for message, layer, line in zip(messages, ["fc2", "fc3", "fc4"], [6, 7, 8], strict=True):
        assert message.startswith(f"{THREE}:{line}: error[in-features-mismatch] {layer}: ")
        assert "\n" not in message
    assert "(fix: set in_features to 20: nn.Linear(20, 40)" in messages[0]
    assert (failures[0].text or "").splitlines() == [
        "error[in-features-mismatch] fc2",
        "fc2 (Linear 30->40) got (2, 20) from fc1 (Linear 10->20); in_features is 30",
        "fix: set in_features to 20: nn.Linear(20, 40), "
        "or change fc1's out_features to 30: nn.Linear(10, 30)",
        f"at {THREE}:6",
    ]
    [flatten] = cnn.findall("failure")
    assert flatten.get("type") == "unflattened-input"
    assert "16*32*32 = 16384" in (flatten.text or "")
    # a warning does not fail its spec
    assert constant.find("failure") is None and constant.find("error") is None
    out = constant.findtext("system-out") or ""
    assert out.startswith(f"{CONSTANT}:7: warning[symmetric-init] hidden: every weight of hidden")
    # a spec that could not be checked is an error, not a failure
    [error] = missing
    assert (error.tag, error.get("type")) == ("error", "spec-error")
    assert error.get("message") == f"{MISSING}: error[spec-error] no such file"
    assert len(clean) == 0


def test_junitparser_reads_it(real_run: CheckResult) -> None:
    junitparser = pytest.importorskip("junitparser", reason="junitparser is in the test extra")
    xml = junitparser.JUnitXml.fromstring(render_check_junit(real_run))
    [suite] = list(xml)
    assert (suite.name, suite.tests, suite.failures, suite.errors) == ("linearcli", 5, 2, 1)
    cases = {case.name: case for case in suite}
    assert list(cases) == [THREE, CNN, CONSTANT, MISSING, CLEAN]
    three = cases[THREE].result
    assert [type(r).__name__ for r in three] == ["Failure"] * 3
    assert [r.type for r in three] == ["in-features-mismatch"] * 3
    assert "fc4 (Linear 70->2) got (2, 60)" in three[2].message
    assert "change fc3's out_features to 70" in three[2].text
    [missing] = cases[MISSING].result
    assert isinstance(missing, junitparser.Error) and missing.message.endswith("no such file")
    assert cases[CONSTANT].is_passed and cases[CLEAN].is_passed
    assert "symmetric-init" in cases[CONSTANT].system_out
    assert not cases[THREE].is_passed and not cases[MISSING].is_passed


HOSTILE = 'a\x1b[2Jb\x00c\x07d\x0be\x7ff\x85g\ud800h\ufffei <&> "q" ]]> \r\nnext line'


def test_any_text_stays_xml(tmp_path: Path) -> None:
    diagnostics = (
        Diagnostic("error", "forward-error", "fc\x00", HOSTILE, fix="x\x1b", source="m.py:3"),
        Diagnostic("info", "init-outlier", "fc", HOSTILE),
    )
    result = CheckResult(
        (
            FileResult("m\x1b.yaml", report(*diagnostics)),
            FileResult("bad\x00.yaml", None, SpecFailure("spec-error", HOSTILE, None)),
        )
    )
    text = render_check_junit(result)
    root = ET.fromstring(text)  # every parser must read it
    [failure] = root.iter("failure")
    message = failure.get("message") or ""
    assert "a\\x1b[2Jb\\x00c\\x07d" in message and "\n" not in message
    assert "\x1b" not in text and "\x00" not in text and "\ud800" not in text
    body = failure.text or ""
    assert "fc\\x00" in body and '\\ud800h\\ufffei <&> "q" ]]>' in body
    assert "next line" in body.splitlines()[-3]  # line breaks are kept in the body
    assert "\\x1b[2J" in (root.findtext(".//system-out") or "")
    [error] = root.iter("error")
    assert error.get("message", "").startswith("bad\\x00.yaml: error[spec-error] a\\x1b[2J")
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == ["m\\x1b.yaml", "bad\\x00.yaml"]
    junitparser = pytest.importorskip("junitparser", reason="junitparser is in the test extra")
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    [suite] = list(junitparser.JUnitXml.fromfile(str(path)))
    assert [case.name for case in suite] == names
    assert "\\x00" in next(iter(suite)).result[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("tab\tnewline\ncr\r", "tab\\tnewline\ncr\\r"),  # lines stay; a CR never returns
        ("\x00\x08\x0b\x0c\x1f", "\\x00\\x08\\x0b\\x0c\\x1f"),
        ("\x7f\x9f", "\\x7f\\x9f"),
        ("\ud800\udfff\ufffe\uffff", "\\ud800\\udfff\\ufffe\\uffff"),
        ("\U0001f600 é", "\U0001f600 é"),
    ],
)
def test_xml_text(text: str, expected: str) -> None:
    assert xml_text(text) == expected


def test_a_spec_named_twice_is_two_cases() -> None:
    broken = FileResult("x.yaml", None, SpecFailure("build-error", "boom", None))
    root = ET.fromstring(render_check_junit(CheckResult((broken, broken))))
    assert [len(case) for case in root.iter("testcase")] == [1, 1]
    assert root.get("errors") == "2"


def test_an_empty_run() -> None:
    root = ET.fromstring(render_check_junit(CheckResult(())))
    [suite] = root
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("0", "0", "0")
    assert len(suite) == 0


def test_finding_lines_without_fix_or_layer() -> None:
    finding = Finding("m.yaml", "info", "meta-fallback", None, "on meta\n", None, None)
    assert finding_lines(finding) == ["info[meta-fallback]", "on meta", "at m.yaml"]


# --statistics


def test_statistics_of_real_specs() -> None:
    result = check([THREE, CNN, CONSTANT])
    assert statistics_lines(result) == [
        "   3  in-features-mismatch  error",
        "   1  symmetric-init        warning",
        "   1  unflattened-input     error",
    ]


def test_statistics_count_failures_and_split_severities() -> None:
    dead = Diagnostic("warning", "not-called", "a", "dead")
    skipped = Diagnostic("info", "not-called", "b", "skipped")
    broken = FileResult("x.yaml", None, SpecFailure("build-error", "boom", None))
    result = CheckResult(
        (
            FileResult("m.yaml", report(dead, skipped, skipped)),
            broken,
            broken,
            FileResult("n.yaml", None, SpecFailure("spec-error", "bad", None)),
        )
    )
    assert statistics_lines(result) == [
        "   2  build-error  error",
        "   2  not-called   info",
        "   1  not-called   warning",
        "   1  spec-error   error",
    ]


def test_statistics_widen_for_large_counts() -> None:
    many = report(*[Diagnostic("info", "init-outlier", f"l{i}", "wide") for i in range(12345)])
    result = CheckResult((FileResult("m.yaml", many),))
    assert statistics_lines(result) == ["12345  init-outlier  info"]


def test_no_findings_no_statistics() -> None:
    assert statistics_lines(CheckResult((FileResult("m.yaml", report()),))) == []
