"""Which findings count: select/ignore selectors, suppression comments, unused ones."""

from __future__ import annotations

import ast
import os
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

import linearcli
from linearcli.errors import SpecError
from linearcli.report import Diagnostic, Report
from linearcli.selection import (
    CODES,
    FindingRules,
    SourceComments,
    apply,
    layer_status,
    rules_from,
)
from linearcli.suppress import _pragmas, _python_comments, _yaml_comments

from .conftest import ROOT

ALL_OFF = FindingRules(ignore=("ALL",))


@pytest.mark.parametrize(
    ("select", "ignore", "extend", "code", "expected"),
    [
        pytest.param(None, (), (), "init-outlier", True, id="default-selects-all"),
        pytest.param(("not-called",), (), (), "not-called", True, id="exact"),
        pytest.param(("not-called",), (), (), "init-outlier", False, id="exact-only"),
        pytest.param(("init",), (), (), "init-outlier", True, id="prefix"),
        pytest.param(("unflattened",), (), (), "unflattened-input", True, id="prefix-2"),
        pytest.param(("in",), (), (), "init-outlier", False, id="prefix-at-dash-only"),
        pytest.param(("in",), (), (), "in-features-mismatch", True, id="prefix-short"),
        pytest.param(("ALL",), (), (), "meta-fallback", True, id="all"),
        pytest.param(("ALL",), ("init",), (), "init-outlier", False, id="ignore-beats-all"),
        pytest.param(("init",), ("init-outlier",), (), "init-outlier", False, id="longer-ignore"),
        pytest.param(("init-outlier",), ("init",), (), "init-outlier", True, id="longer-select"),
        pytest.param(("init-outlier",), ("ALL",), (), "init-outlier", True, id="select-beats-all"),
        pytest.param(("init",), ("init",), (), "init-outlier", False, id="tie-goes-to-ignore"),
        pytest.param(("ALL",), ("ALL",), (), "not-called", False, id="all-tie-ignore"),
        pytest.param(None, ("ALL",), ("not-called",), "not-called", True, id="extend-select"),
        pytest.param(None, ("ALL",), ("not-called",), "init-outlier", False, id="extend-only"),
        pytest.param(("not-called",), (), ("init",), "init-outlier", True, id="extend-adds"),
        pytest.param((), (), (), "not-called", False, id="empty-select-none"),
    ],
)
def test_selects(
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...],
    extend: tuple[str, ...],
    code: str,
    expected: bool,
) -> None:
    assert rules_from(select, ignore, extend).selects(code) is expected


@pytest.mark.parametrize(
    ("base", "layer", "code", "expected"),
    [
        pytest.param(("not-called",), ((), ()), "not-called", False, id="base-ignore-carries"),
        pytest.param(("not-called",), ((), ("not-called",)), "not-called", True, id="extend-over"),
        pytest.param(("init",), (("init-outlier",), ()), "init-outlier", True, id="select-resets"),
    ],
)
def test_layers_like_ruff(
    base: tuple[str, ...], layer: tuple[tuple[str, ...], tuple[str, ...]], code: str, expected: bool
) -> None:
    """config = base (it ignores), the CLI layer on top; a CLI select starts afresh."""
    config = rules_from(None, base)
    extend, select = layer[1], (layer[0] or None)
    assert rules_from(select, (), extend, base=config).selects(code) is expected


def test_selectors_are_split_and_normalised() -> None:
    rules = rules_from(["not-called, Init ", ""], ["all"])
    assert rules == FindingRules(("not-called", "init"), ("ALL",), ())


@pytest.mark.parametrize(
    ("selector", "hint"),
    [
        ("nto-called", "did you mean 'not-called'?"),
        ("unflatened", "did you mean 'unflattened'?"),
        ("init-", "did you mean 'init'?"),
        ("zzz", "the codes are in-features-mismatch, "),
    ],
)
def test_unknown_selector(selector: str, hint: str) -> None:
    with pytest.raises(SpecError) as caught:
        rules_from(None, ["not-called", selector], prefix="--", path="pyproject.toml")
    assert caught.value.message.startswith(f"--ignore: unknown finding code {selector!r}")
    assert hint in caught.value.message
    assert caught.value.path == "pyproject.toml"


def test_codes_are_the_ones_the_package_emits() -> None:
    """Every Diagnostic(...) in linearcli names its code as a literal, and CODES lists them."""
    emitted: set[str] = set()
    for path in (ROOT / "linearcli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Diagnostic"):
                continue
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            code = code or (node.args[1] if len(node.args) > 1 else None)
            assert isinstance(code, ast.Constant), f"{path}:{node.lineno}: code not a literal"
            emitted.add(code.value)
    assert emitted == set(CODES)


def finding(severity: str, code: str, layer: str | None = "fc") -> Diagnostic:
    return Diagnostic(severity, code, layer, "m")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("findings", "status"),
    [
        ([], "ok"),
        ([finding("info", "init-outlier")], "ok"),
        ([finding("warning", "symmetric-init")], "warning"),
        ([finding("info", "not-called")], "not-called"),
        ([finding("warning", "not-called")], "not-called"),
        ([finding("warning", "not-called"), finding("error", "forward-error")], "error"),
    ],
)
def test_layer_status(findings: list[Diagnostic], status: str) -> None:
    assert layer_status(findings) == status


@pytest.mark.parametrize(
    ("comment", "codes"),
    [
        ("# noqa", None),
        ("# NOQA:not-called", ("not-called",)),
        ("# noqa: not-called, init-outlier", ("not-called", "init-outlier")),
        ("# noqa: E501 not-called  because it is spare", ("not-called",)),
        ("# linearcli: ignore", None),
        ("# linearcli: ignore[not-called, init-outlier]", ("not-called", "init-outlier")),
        ("# type: ignore  # linearcli: ignore[not-called]", ("not-called",)),
    ],
)
def test_pragmas(comment: str, codes: tuple[str, ...] | None) -> None:
    (suppression,) = _pragmas(comment)
    assert suppression.codes == codes


@pytest.mark.parametrize(
    "comment",
    ["# noqa: E501, F401", "# noqanother", "# linearcli: ignore[not-called", "# see noqa"],
)
def test_not_our_pragmas(comment: str) -> None:
    assert _pragmas(comment) == ()


def test_python_comments_come_from_tokens() -> None:
    source = b'x = "# noqa"  # real\ns = """\n# noqa\n"""\n'
    assert _python_comments(source) == {1: "# real"}
    # an unterminated string: the comments before it still count, and nothing raises
    assert _python_comments(b'x = 1  # a\ns = """\n# b\n') == {1: "# a"}


def test_yaml_comments() -> None:
    text = """\
        # top
        model:
          a: {Linear: [4, 6]}  # one
          b: "x # y"  # two
          c: 'it''s # no'  # three
          d: it's # four
          e: |
            text # not a comment
          f: 1 # five
          g: "multi
            line # inside" # six
          h:
          - key: >-
              x # in
            sib: 1 # seven
          i: a#b
        """
    comments = _yaml_comments(textwrap.dedent(text).encode())
    assert comments == {
        1: "# top",
        3: "# one",
        4: "# two",
        5: "# three",
        6: "# four",
        9: "# five",
        11: "# six",
        15: "# seven",
    }


PY_SPEC = """\
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 6)  # linearcli: ignore[symmetric-init]
        self.spare = nn.Linear(4, 4)  # noqa: not-called
        self.fc2, self.note = nn.Linear(5, 2), "# noqa"

    def forward(self, x):
        return self.fc2(self.fc1(x))


def example_input():
    return torch.randn(2, 8)
"""

YAML_SPEC = """\
input: {shape: [8]}
model:
  fc1: {Linear: [8, 6]}  # linearcli: ignore[init-outlier]
  fc2: {Linear: [6, 2]}  # linearcli: ignore[in-features-mismatch]
  fc3: {Linear: [4, 2]}  # noqa
"""


def codes(report: Report) -> list[tuple[str, str | None]]:
    return [(d.code, d.layer) for d in report.diagnostics]


def statuses(report: Report) -> dict[str, str]:
    return {layer.name: layer.status for layer in report.layers}


def test_python_suppression(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(PY_SPEC)
    report = linearcli.inspect_spec(str(path))
    assert codes(report) == [("in-features-mismatch", "fc2"), ("not-called", "spare")]

    kept = apply(report, FindingRules(), report_unused=False)
    # the noqa text inside a string literal on fc2's line is no comment
    assert codes(kept) == [("in-features-mismatch", "fc2")]
    assert statuses(kept) == {"fc1": "ok", "spare": "ok", "fc2": "error"}
    assert not kept.ok

    strict = apply(report, FindingRules(), report_unused=True)
    assert codes(strict) == [("in-features-mismatch", "fc2"), ("unused-suppression", None)]
    unused = strict.diagnostics[1]
    assert unused.source == f"{path}:8"
    assert "# linearcli: ignore[symmetric-init] on line 8" in unused.message
    assert "no symmetric-init finding to suppress" in unused.message
    assert unused.severity == "warning" and unused.fix == "remove the comment"
    assert statuses(strict) == statuses(kept)

    # a comment for a code that is not selected is not called unused
    only_shapes = apply(report, rules_from(["in", "unused"]), report_unused=True)
    assert codes(only_shapes) == [("in-features-mismatch", "fc2")]
    assert statuses(only_shapes) == {"fc1": "ok", "spare": "ok", "fc2": "error"}


def test_yaml_suppression(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(YAML_SPEC)
    report = linearcli.inspect_spec(str(path))
    assert codes(report) == [("in-features-mismatch", "fc3")]
    assert statuses(report)["fc3"] == "error"

    quiet = apply(report, FindingRules(), report_unused=False)
    assert codes(quiet) == []
    assert statuses(quiet) == {"fc1": "ok", "fc2": "ok", "fc3": "ok"}
    assert quiet.ok

    strict = apply(report, FindingRules(), report_unused=True)
    # fc1's and fc2's comments suppressed nothing; fc3's bare noqa did its job
    assert [d.source for d in strict.diagnostics] == [f"{path}:3", f"{path}:4"]
    assert {d.code for d in strict.diagnostics} == {"unused-suppression"}
    assert "no in-features-mismatch finding to suppress" in strict.diagnostics[1].message
    assert statuses(strict) == {"fc1": "ok", "fc2": "ok", "fc3": "ok"}
    assert strict.ok and strict.failed(strict=True)
    assert apply(report, rules_from(None, ["unused"]), report_unused=True) == quiet


def test_wrong_fc2_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(YAML_SPEC.replace("[4, 2]}  # noqa", "[2, 2]}").replace("[6, 2]", "[5, 2]"))
    report = linearcli.inspect_spec(str(path))
    assert statuses(report) == {"fc1": "ok", "fc2": "error", "fc3": "ok"}
    kept = apply(report, FindingRules(), report_unused=True)
    assert codes(kept) == [("unused-suppression", None)]  # fc1's init-outlier comment
    assert kept.diagnostics[0].source == f"{path}:3"
    assert statuses(kept) == {"fc1": "ok", "fc2": "ok", "fc3": "ok"}


def test_unknown_code_in_comment_is_reported_only_when_strict(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}  # noqa\n")
    report = linearcli.inspect_spec(str(path))
    path.write_text(path.read_text().replace("# noqa", "# linearcli: ignore[nto-called]"))
    assert apply(report, FindingRules(), report_unused=False) == report
    (unused,) = apply(report, FindingRules(), report_unused=True).diagnostics
    assert "unknown finding code 'nto-called'; did you mean 'not-called'?" in unused.message


def test_selection_alone_drops_and_keeps_order(in_repo: Path) -> None:
    report = linearcli.inspect_spec("specs/broken/skip_off_by_one.py")
    assert apply(report, FindingRules(), report_unused=True) == report
    kept = apply(report, rules_from(None, ["forward"]), report_unused=False)
    assert [d.code for d in kept.diagnostics] == ["not-called"]
    assert [d.code for d in apply(report, ALL_OFF, report_unused=True).diagnostics] == []


def test_unreadable_sources_suppress_nothing(tmp_path: Path) -> None:
    (tmp_path / "dir.py").mkdir()
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "bad.py").write_bytes(b"# -*- coding: nope -*-\nx = 1  # noqa\n")
    path = tmp_path / "model.yaml"
    path.write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n")
    findings = tuple(
        replace(finding("error", "forward-error", None), source=f"{tmp_path / name}:{line}")
        for name, line in (("dir.py", 1), ("missing.py", 1), ("fifo.yaml", 1), ("bad.py", 2))
    )
    report = replace(linearcli.inspect_spec(str(path)), diagnostics=findings)
    assert apply(report, FindingRules(), report_unused=True) == report


def test_each_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import linearcli.discover

    reads: list[str] = []
    real = linearcli.discover.read_regular_file

    def counting(path: str, limit: int) -> bytes | None:
        reads.append(path)
        return real(path, limit)

    monkeypatch.setattr(linearcli.discover, "read_regular_file", counting)
    path = tmp_path / "model.yaml"
    path.write_text(YAML_SPEC)
    report = linearcli.inspect_spec(str(path))
    comments = SourceComments()
    apply(report, FindingRules(), report_unused=True, comments=comments)
    apply(report, FindingRules(), report_unused=True, comments=comments)
    assert reads == [str(path)]
