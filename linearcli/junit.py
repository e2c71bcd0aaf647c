"""A ``check`` run as JUnit XML, for CI systems that show test reports.

One ``<testsuite name="linearcli">`` (inside ``<testsuites>``); one ``<testcase>`` per
spec, named by its path. Each error-level finding is a ``<failure>`` of its spec's test
case; warnings and notes go to the case's ``<system-out>``, so they never fail it; a
spec that could not be checked is an ``<error>``. The suite's ``failures`` and
``errors`` count test cases, as JUnit does, not ``<failure>`` elements: a spec with
three errors is one failed test. Never prints: returns the XML text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from linearcli.check_result import CheckResult
from linearcli.codes import Finding, file_findings
from linearcli.escape import one_line, visible


def xml_text(text: str) -> str:
    """Text that any XML 1.0 parser reads back and a terminal cannot act on: its lines
    kept, every other control character (and what XML forbids) shown as ``\\x1b``."""
    return "\n".join(visible(line) for line in text.split("\n"))


def render_check_junit(result: CheckResult) -> str:
    cases = [_testcase(file.spec, list(file_findings(file))) for file in result.files]
    failed = sum(1 for case in cases if case.find("failure") is not None)
    errored = sum(1 for case in cases if case.find("error") is not None)
    counts = {
        "tests": str(len(cases)),
        "failures": str(failed),
        "errors": str(errored),
        "skipped": "0",
    }
    root = ET.Element("testsuites", {"name": "linearcli", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "linearcli", **counts})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _testcase(spec: str, found: Sequence[Finding]) -> ET.Element:
    case = ET.Element("testcase", {"classname": "linearcli", "name": xml_text(spec)})
    for finding in found:
        if finding.severity != "error":
            continue
        tag = "failure" if finding.checked else "error"
        attributes = {"message": xml_text(finding_line(finding)), "type": xml_text(finding.code)}
        element = ET.SubElement(case, tag, attributes)
        element.text = xml_text("\n".join(finding_lines(finding)))
    notes = [finding_line(f) for f in found if f.severity != "error"]
    if notes:
        ET.SubElement(case, "system-out").text = xml_text("\n".join(notes))
    return case


def finding_line(finding: Finding) -> str:
    """The finding's line in ``check``'s text output: ``path:line: error[code] layer: ...``."""
    layer = f" {visible(finding.layer)}:" if finding.layer is not None else ""
    fix = f" (fix: {finding.fix})" if finding.fix else ""
    return one_line(
        f"{finding.location}: {finding.severity}[{finding.code}]{layer} {finding.message}{fix}"
    )


def finding_lines(finding: Finding) -> list[str]:
    """What the findings panel shows of one finding: code and layer, message, fix, where."""
    layer = f" {visible(finding.layer)}" if finding.layer is not None else ""
    lines = [f"{finding.severity}[{finding.code}]{layer}", one_line(finding.message)]
    if finding.fix:
        lines.append(f"fix: {one_line(finding.fix)}")
    lines.append(f"at {visible(finding.location)}")
    return lines
