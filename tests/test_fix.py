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
from linearcli.guard import SpecTimedOut
from linearcli.pipeline import inspect_spec
from linearcli.report import Diagnostic, Report

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

    def edits(old: str, source: str) -> tuple[Edit, ...]:
        return edits_for(finding(Change("Linear", "in_features", old, "8"), source), path, text)

    assert edits("30", f"{path}:1") == ()  # a variable
    assert edits("31", f"{path}:2") == ()  # not the old number
    assert edits("30", "other.py:2") == ()  # another file
    (edit,) = edits("30", f"{path}:2")
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
    assert result.exit_code == 1 and "linearcli: fixed" not in result.stderr
    assert f"linearcli: {link}: a link, not a regular file: not fixed" in result.stderr
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


# The corpus cases with a safe fix (tests/diagnosis; the scorer's "fixed by --fix" counts
# them, and tests/test_diagnosis_corpus.py holds that count).
FIXABLE = {  # case -> how many findings --fix fixes in it
    "batch-axis_flatten_no_start_dim": 1,  # torch.flatten(x, 1)
    "cat_head_in_features": 1,
    "flatten-size_mnist_out_1050": 1,
    "flatten-size_mnist_view_320": 2,  # the view's sizes, then fc1's in_features
    "head-replaced_identity_then_1000": 1,
    "head-replaced_resnet18_fc_2048": 1,
    "head-replaced_vgg_classifier_whole": 1,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIXABLE))
def test_a_corpus_case_is_fixed_as_its_golden_diff_says_and_twice_is_once(
    cli: Cli,
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    golden: Callable[[str, str], None],
) -> None:
    source = ROOT / "tests" / "diagnosis" / "broken" / f"{name}.py"
    (tmp_path / source.name).write_bytes(source.read_bytes())
    monkeypatch.chdir(tmp_path)
    diff = cli("check", "--diff", source.name)
    assert diff.exit_code == 1
    golden(f"fix/{name}.diff", diff.stdout)
    first = cli("check", "--fix", source.name, "-f", "json")
    count = FIXABLE[name]
    assert f"linearcli: fixed {count} finding{'s' if count > 1 else ''} in 1 file" in first.stderr
    left = [d for f in first.json()["files"] for d in f["diagnostics"]]
    assert not [d for d in left if d["applicability"] == "safe"]  # no safe fix left
    fixed = (tmp_path / source.name).read_bytes()
    second = cli("check", "--fix", source.name)
    assert "fixed" not in second.stderr and second.exit_code == first.exit_code
    assert (tmp_path / source.name).read_bytes() == fixed


MEAN = """\
import torch
from torch import nn


class Bag(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.fc = nn.Linear(8, 3)

    def forward(self, ids):
        return self.fc(self.embed(ids).mean(dim=0))


def example_input():
    return torch.randint(0, 50, (4, 9))
"""


def test_a_fix_that_rests_on_the_batch_axis_is_made_only_when_asked(cli: Cli, write: Write) -> None:
    path = write("bag.py", MEAN)
    (finding,) = cli("check", str(path), "-f", "json").json()["files"][0]["diagnostics"]
    assert (finding["code"], finding["applicability"]) == ("batch-axis", "unsafe")
    assert finding["edits"] == [
        {
            "location": {"line": 12, "column": 49},
            "end_location": {"line": 12, "column": 50},
            "content": "1",
        }
    ]
    safe_only = cli("check", "--fix", str(path))
    assert "fixed" not in safe_only.stderr and path.read_text() == MEAN
    assert cli("check", "--diff", str(path)).stdout == ""
    unsafe = cli("check", "--fix", "--unsafe-fixes", str(path))
    assert "linearcli: fixed 1 finding in 1 file" in unsafe.stderr
    assert unsafe.exit_code == 0 and "batch-axis" not in unsafe.stdout
    assert path.read_text() == MEAN.replace("mean(dim=0)", "mean(dim=1)")


def test_flatten_and_squeeze_get_the_axis_they_lack(write: Write) -> None:
    text = "a = torch.flatten(x)\nb = y.squeeze()\nc = z.flatten( )\n"
    path = str(write("m.py", text))

    def edit(call: str, line: int, new: str) -> tuple[Edit, ...]:
        change = Change(call, "start_dim" if call == "flatten" else "dim", "", new)
        return edits_for(finding(change, f"{path}:{line}"), path, text)

    assert edit("flatten", 1, "1") == (Edit((1, 20), (1, 20), ", 1"),)  # after the x
    assert edit("squeeze", 2, "-1") == (Edit((2, 15), (2, 15), "-1"),)  # before the )
    assert edit("flatten", 3, "1") == (Edit((3, 16), (3, 16), "1"),)
    made = apply_edits(text, edit("flatten", 1, "1") + edit("squeeze", 2, "-1"))
    assert made == "a = torch.flatten(x, 1)\nb = y.squeeze(-1)\nc = z.flatten( )\n"


CNN_YAML = """\
input: {shape: [3, 8, 8]}
model:
  conv: {Conv2d: {in_channels: 3, out_channels: 4, kernel_size: 3, padding: 1}}
  flatten: ReLU   # a layer already named flatten
  fc: {Linear: [256, 10]}
"""


def test_a_missing_flatten_is_inserted_only_with_unsafe_fixes(cli: Cli, write: Write) -> None:
    spec = write("cnn.yaml", CNN_YAML)
    net = write("cnn.py", (ROOT / "specs" / "broken" / "cnn_no_flatten.py").read_text())
    assert "fixed" not in cli("check", "--fix", str(spec), str(net)).stderr
    result = cli("check", "--fix", "--unsafe-fixes", str(spec), str(net))
    assert "linearcli: fixed 2 findings in 2 files" in result.stderr
    assert result.exit_code == 0, result.stdout
    assert spec.read_text() == CNN_YAML.replace(
        "  fc: {Linear", "  flatten_1: Flatten\n  fc: {Linear"
    )
    assert "        return self.fc1(x.flatten(1))\n" in net.read_text()


TOKENS = """\
import torch
from torch import nn


class PerToken(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 64)
        self.proj = nn.Linear(48, 32)

    def forward(self, ids):
        x = self.embed(ids)
        x = x.view(-1, 48)
        return self.proj(x)


def example_input():
    return torch.randint(0, 100, (2, 10))
"""


def test_a_view_of_a_sequence_has_two_ways_out_so_its_fix_is_unsafe(cli: Cli, write: Write) -> None:
    # (2, 10, 64) -> view(-1, 48): x.view(x.size(0), -1) or a row per token, x.view(-1, 64)
    path = write("tok.py", TOKENS)
    found = cli("check", str(path), "-f", "json").json()["files"][0]["diagnostics"]
    assert [(d["code"], d["applicability"]) for d in found] == [
        ("view-size", "unsafe"),
        ("in-features-mismatch", None),  # sized from linearcli's stand-in for the view
    ]
    assert "fixed" not in cli("check", "--fix", str(path)).stderr
    assert path.read_text() == TOKENS


def test_a_size_linearcli_stood_in_for_is_not_written(cli: Cli, in_repo: Path) -> None:
    spec = "tests/diagnosis/broken/flatten-size_mnist_view_320.py"
    view, fc1 = cli("check", spec, "-f", "json").json()["files"][0]["diagnostics"]
    assert (view["code"], view["applicability"]) == ("view-size", "safe")
    assert "corrected an earlier mistake" in fc1["message"]
    assert (fc1["code"], fc1["edits"], fc1["applicability"]) == ("in-features-mismatch", [], None)


TWO_VIEWS = """\
import torch
from torch import nn


class Two(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 20, 5)
        self.fc = nn.Linear(320, 4)

    def forward(self, x):
        y = self.conv(x)
        a = y.view(-1, 320)
        b = self.conv(x).mean(1).view(-1, 7)
        return self.fc(a), b
"""


def test_two_views_in_one_forward_are_two_findings(cli: Cli, write: Write) -> None:
    path = write(
        "two.py", TWO_VIEWS + "\n\ndef example_input():\n    return torch.randn(2, 3, 9, 9)\n"
    )
    result = cli("check", "--fix", str(path))
    assert "linearcli: fixed 1 finding in 1 file" in result.stderr
    text = path.read_text()
    assert "a = y.view(y.size(0), -1)" in text  # the first view, by name
    assert "b = self.conv(x).mean(1).view(-1, 7)" in text  # no edit: the receiver is a call
    assert ".linearcli" not in result.stdout + result.stderr and "/.two-" not in result.stdout


def test_a_file_named_twice_is_fixed_once(cli: Cli, write: Write) -> None:
    text = (ROOT / "specs" / "broken" / "wrong_hidden_size.py").read_text()
    path = write("net.py", text + "\n\nclass Again(Classifier):\n    pass\n")
    result = cli("check", "--diff", f"{path}:Classifier", f"{path}:Again")
    assert result.stdout.count(f"+++ b/{str(path).lstrip('/')}") == 1
    assert "would fix 1 finding in 1 file" in result.stderr


def test_what_cannot_be_written_or_verified_is_said(
    cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("m.yaml", BROKEN_YAML)

    def refuse(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refuse)
    result = cli("check", "--fix", str(path))
    assert f"linearcli: {path}: could not be written: Operation not permitted" in result.stderr
    assert result.exit_code == 1 and path.read_text() == BROKEN_YAML
    assert not [p.name for p in path.parent.iterdir() if p.name.startswith(".")]

    def slow(reference: str) -> Report:
        raise SpecTimedOut(4)

    done = fix_spec(str(path), str(path), inspect_spec(str(path)), slow)
    assert done is not None and not done.fixed
    (_, why), *_ = done.rejected
    assert why == (
        "the edited spec could not be inspected: the spec ran for more than 4 s (--timeout): "
        "not checked"
    )


def test_diff_of_a_file_without_a_last_newline_applies(cli: Cli, write: Write) -> None:
    path = write("m.yaml", BROKEN_YAML.rstrip("\n"))
    result = cli("check", "--diff", str(path))
    assert result.stdout.endswith("\n\\ No newline at end of file\n")
    assert result.stdout.count("\\ No newline at end of file") == 2
    text = (ROOT / "specs" / "broken" / "wrong_hidden_size.py").read_text()
    odd = write("net.py", "# form feed \x0c and line separator \u2028 in a comment\n" + text)
    shifted = cli("check", "--diff", str(odd)).stdout
    assert "@@ -12,7 +12,7 @@" in shifted  # one line more than the file's own, not three


def test_unsafe_fixes_alone_and_unchecked_specs_under_diff(cli: Cli, write: Write) -> None:
    path = write("m.yaml", BROKEN_YAML)
    alone = cli("check", "--unsafe-fixes", str(path))
    assert alone.exit_code == 2 and "goes with --fix or --diff" in alone.stderr
    missing = cli("check", "--diff", str(path), str(path.with_name("none.yaml")))
    assert missing.exit_code == 2
    assert "none.yaml: not checked: no such file" in missing.stderr
    assert cli("check", "--diff", "--exit-zero", str(path)).exit_code == 0


def test_a_spec_that_changes_directory_moves_no_later_fix(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    for folder in (tmp_path, tmp_path / "data"):
        (folder / "model.yaml").write_text(BROKEN_YAML)
    mover = "import os\nimport torch\nfrom torch import nn\n\nos.chdir('data')\n"
    mover += "model = nn.Linear(4, 2)\nexample_input = torch.zeros(2, 4)\n"
    (tmp_path / "a.py").write_text(mover)
    monkeypatch.chdir(tmp_path)
    result = cli("check", "--fix", "a.py", "model.yaml")
    assert "linearcli: fixed 1 finding in 1 file" in result.stderr
    assert (tmp_path / "model.yaml").read_text() == BROKEN_YAML.replace("[6, 2]", "[8, 2]")
    assert (tmp_path / "data" / "model.yaml").read_text() == BROKEN_YAML
