"""check --fix and --diff: safe edits from source positions, verified, written safely."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from linearcli.changes import Change, Edit
from linearcli.fix.apply import fix_spec, write_fixed
from linearcli.fix.edits import apply_edits, edits_for
from linearcli.pipeline import inspect_spec
from linearcli.report import Diagnostic

from .conftest import ROOT, Result

Cli = Callable[..., Result]
Write = Callable[[str, str], Path]

ODD_YAML = """\
# A spec whose layout, comments and quoting must survive --fix byte for byte.
input: {shape: [10], batch_size: 2}   # ten features
model:
  "fc1": {Linear: [10, 20]}
  fc2:              # block style, keyword arguments
    'Linear':
      in_features: 30     # was 30 before fc1 grew
      out_features: 40
  fc3: {Linear: [ 50 ,  60 ]}   # odd spacing
  fc4: {Linear: {out_features: 2, in_features: 70}}
"""


def finding(change: Change, source: str) -> Diagnostic:
    return Diagnostic("error", "in-features-mismatch", "fc", "m", "f", source, change=change)


def test_a_yaml_spec_keeps_every_byte_outside_the_numbers(cli: Cli, write: Write) -> None:
    path = write("odd.yaml", ODD_YAML)
    result = cli("check", "--fix", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "linearcli: fixed 3 findings in 1 file" in result.stderr
    assert path.read_text() == (
        ODD_YAML.replace("in_features: 30 ", "in_features: 20 ")
        .replace("[ 50 ,", "[ 40 ,")
        .replace("in_features: 70}", "in_features: 60}")
    )
    again = cli("check", "--fix", str(path))
    assert (again.exit_code, "fixed" in again.stderr) == (0, False)
    assert path.read_text().count("\n") == ODD_YAML.count("\n")


def test_the_json_carries_each_safe_edit_field_by_field(cli: Cli, in_repo: Path) -> None:
    spec = "specs/broken/three_mismatches.yaml"
    findings = cli("inspect", spec, "-f", "json").json()["diagnostics"]
    assert [(d["applicability"], d["edits"]) for d in findings] == [
        (
            "safe",
            [
                {
                    "location": {"line": line, "column": 18},
                    "end_location": {"line": line, "column": 20},
                    "content": content,
                }
            ],
        )
        for line, content in ((6, "20"), (7, "40"), (8, "60"))
    ]


PYTHON = """\
import torch
from torch import nn
from torch.nn import Linear


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.größe = nn.Linear(4, 8)  # a name in UTF-8 moves the byte columns
        self.fc2 = Linear(in_features=6, out_features=5)
        self.fc3 = nn.Linear(
            7,
            3,
        )
        self.fc4 = nn.Linear(2 * 2, 2)  # computed: no safe edit

    def forward(self, x):
        return self.fc4(self.fc3(self.fc2(self.größe(x))))


def example_input():
    return torch.randn(2, 4)
"""


def test_a_python_spec_gets_literal_edits_at_the_ast_positions(cli: Cli, write: Write) -> None:
    path = write("net.py", PYTHON)
    diff = cli("check", "--diff", str(path))
    assert diff.exit_code == 1
    assert "linearcli: would fix 2 findings in 1 file" in diff.stderr
    assert path.read_text() == PYTHON  # --diff writes nothing
    minus = [line for line in diff.stdout.splitlines() if line.startswith("-    ")]
    plus = [line for line in diff.stdout.splitlines() if line.startswith("+    ")]
    assert minus == [
        "-        self.fc2 = Linear(in_features=6, out_features=5)",
        "-            7,",
    ]
    assert plus == [
        "+        self.fc2 = Linear(in_features=8, out_features=5)",
        "+            5,",
    ]
    fixed = cli("check", "--fix", str(path))
    assert fixed.exit_code == 1  # fc4's in_features is an expression: left to the user
    assert f"{path}:15: error[in-features-mismatch] fc4" in fixed.stdout
    assert "set in_features to 3: nn.Linear(3, 2)" in fixed.stdout
    assert path.read_text() == PYTHON.replace("in_features=6", "in_features=8").replace(
        "            7,\n", "            5,\n"
    )


def test_an_edit_is_made_only_where_the_literal_is_the_old_number(write: Write) -> None:
    text = "self.fc = nn.Linear(size, 2)\nself.out = nn.Linear(30, 2)\n"
    path = str(write("m.py", text))
    assert edits_for(finding(Change("in_features", 30, 8), f"{path}:1"), path, text) == ()
    assert edits_for(finding(Change("in_features", 31, 8), f"{path}:2"), path, text) == ()
    assert edits_for(finding(Change("in_features", 30, 8), "other.py:2"), path, text) == ()
    (edit,) = edits_for(finding(Change("in_features", 30, 8), f"{path}:2"), path, text)
    assert edit == Edit((2, 22), (2, 24), "8")
    assert apply_edits(text, (edit,)) == text.replace("(30, 2)", "(8, 2)")
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(text, (edit, Edit((2, 23), (2, 25), "9")))


SHARED = """\
import torch
from torch import nn


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x) + self.fc(x[:, :6]).sum()


def example_input():
    return torch.randn(2, 8)
"""


def test_an_edit_that_does_not_remove_its_finding_is_not_written(cli: Cli, write: Write) -> None:
    path = write("twice.py", SHARED)  # fc is fed 8 and 6 features: 6 would break the 8
    result = cli("check", "--fix", str(path))
    assert result.exit_code == 1
    assert f"linearcli: {path}:8: in-features-mismatch not fixed: " in result.stderr
    assert "the edit did not remove the finding" in result.stderr
    assert "fixed" not in result.stderr.replace("not fixed", "")
    assert path.read_text() == SHARED


BROKEN_YAML = "input: {shape: [4]}\nmodel:\n  fc1: {Linear: [4, 8]}\n  fc2: {Linear: [6, 2]}\n"


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(write: Write) -> None:
    path = write("m.yaml", BROKEN_YAML)
    report = inspect_spec(str(path))
    done = fix_spec(str(path), str(path), report, inspect_spec)
    assert done is not None and [f.layer for f in done.fixed] == ["fc2"]
    assert done.after == BROKEN_YAML.replace("[6, 2]", "[8, 2]")
    path.write_text(BROKEN_YAML + "# edited meanwhile\n")
    assert write_fixed(done) == "changed on disk since it was read: not written"
    assert path.read_text() == BROKEN_YAML + "# edited meanwhile\n"


def test_permissions_are_kept_and_links_are_not_written_through(cli: Cli, write: Write) -> None:
    path = write("m.yaml", BROKEN_YAML)
    os.chmod(path, 0o640)
    assert cli("check", "--fix", str(path)).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == BROKEN_YAML.replace("[6, 2]", "[8, 2]")
    target = write("target.yaml", BROKEN_YAML)
    link = target.with_name("link.yaml")
    link.symlink_to(target)
    result = cli("check", "--fix", str(link))
    assert result.exit_code == 1 and "fixed" not in result.stderr
    assert target.read_text() == BROKEN_YAML and link.is_symlink()
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["three_mismatches.yaml", "wrong_hidden_size.py"])
def test_the_diff_of_a_broken_spec(
    cli: Cli, name: str, in_repo: Path, golden: Callable[[str, str], None]
) -> None:
    before = (ROOT / "specs" / "broken" / name).read_bytes()
    result = cli("check", "--diff", f"specs/broken/{name}")
    assert result.exit_code == 1
    golden(f"fix_{name}.diff", result.stdout)
    assert (ROOT / "specs" / "broken" / name).read_bytes() == before
