"""A ``check`` run as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the driver's rules are every code linearcli can report (:data:`RULES`); one
result per finding, and one per spec that could not be checked, under its failure code.
Never prints: returns the JSON text.

No ``fixes``: a SARIF fix must be an ``artifactChange`` with concrete replacements (a
region and the text to put there), and linearcli's fixes are still words. The words go
into the message and into ``properties.fix``; structured edits can become ``fixes`` once
findings carry them.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

import linearcli
from linearcli.check_result import CheckResult
from linearcli.codes import RULE_INDEX, RULES, Finding, Rule, findings, split_location
from linearcli.escape import one_line
from linearcli.spec.python_ref import is_python_reference

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/linearcli/linearcli"
SOURCE_ROOT = "%SRCROOT%"  # relative URIs are relative to where the run started
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render_check_sarif(result: CheckResult) -> str:
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "linearcli",
                        "version": linearcli.__version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in RULES],
                    }
                },
                "invocations": [
                    {
                        # Findings are what the run is for; only a spec it could not
                        # check makes the run itself unsuccessful.
                        "executionSuccessful": result.not_checked == 0,
                        "exitCode": result.exit_code,
                    }
                ],
                "results": [_result(finding) for finding in findings(result)],
            }
        ],
    }
    return json.dumps(log, indent=2, allow_nan=False) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _result(finding: Finding) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in RULE_INDEX:
        result["ruleIndex"] = RULE_INDEX[finding.code]
    result["level"] = LEVELS[finding.severity]
    result["message"] = {"text": message_text(finding)}
    result["locations"] = [_location(finding.location)]
    result["properties"] = {"fix": finding.fix, "layer": finding.layer, "spec": finding.spec}
    return result


def message_text(finding: Finding) -> str:
    """``layer: message (fix: ...)``, on one line, control characters shown as ``\\x1b``."""
    layer = f"{finding.layer}: " if finding.layer is not None else ""
    fix = f" (fix: {finding.fix})" if finding.fix else ""
    return one_line(f"{layer}{finding.message}{fix}")


def _location(location: str) -> dict[str, Any]:
    path, line = split_location(location)
    if line is None and ":" in path and is_python_reference(path):
        path = path.rsplit(":", 1)[0]  # file.py:NAME or package.module:NAME
        if not path.endswith(".py"):
            return {"logicalLocations": [{"fullyQualifiedName": location, "kind": "module"}]}
    physical: dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path as a URI under %SRCROOT%, forward slashes; an absolute one as file:."""
    windows = PureWindowsPath(path)
    if windows.is_absolute():  # C:\dir\spec.yaml, or \\server\share\spec.yaml
        return {"uri": windows.as_uri()}
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return {"uri": posix.as_uri()}
    # ":" is quoted too, so a first segment like "c:" is never read as a scheme; a file
    # name that is not UTF-8 (surrogate escapes) keeps its bytes.
    return {"uri": quote(str(posix), safe="/", errors="surrogateescape"), "uriBaseId": SOURCE_ROOT}
