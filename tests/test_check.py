from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import torch

from linearcli import pipeline
from linearcli.check import check_specs, collect_specs, is_yaml_spec
from linearcli.options import RunOptions
from linearcli.report import Report

from .conftest import ROOT, Result

Cli = Callable[..., Result]
Write = Callable[[str, str], Path]

GOOD = "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n"
WRONG = "input: {shape: [4]}\nmodel:\n  fc1: {Linear: [4, 8]}\n  fc2: {Linear: [6, 2]}\n"


def test_done_when_every_finding_with_file_and_line_exit_1(cli: Cli, in_repo: Path) -> None:
    result = cli("check", "specs/", "specs/broken/")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "linearcli: 12 specs checked: 6 errors, 2 warnings"
    findings = lines[:-1]
    assert [line.split(": ", 1)[0] for line in findings] == [
        "specs/gpt3.yaml",  # info[meta-fallback]: 175 billion parameters, inspected on meta
        "specs/broken/cnn_no_flatten.yaml:8",
        "specs/broken/constant_init.yaml:7",
        "specs/broken/conv1d_to_linear.yaml:8",
        "specs/broken/conv_channels.yaml:6",
        "specs/broken/three_mismatches.yaml:6",
        "specs/broken/three_mismatches.yaml:7",
        "specs/broken/three_mismatches.yaml:8",
        "specs/broken/wrong_hidden_size.yaml:7",
    ]
    assert findings[-1] == (
        "specs/broken/wrong_hidden_size.yaml:7: error[in-features-mismatch] fc2: "
        "fc2 (Linear 128->10) got (2, 256) from fc1 (Linear 784->256); in_features is 128 "
        "(fix: set in_features to 256: nn.Linear(256, 10), or change fc1's out_features "
        "to 128: nn.Linear(784, 128))"
    )
    (note,) = result.stderr.splitlines()  # the one line a meta fallback says
    assert note.startswith("specs/gpt3.yaml: note: the model and its sample batch need 652.7 GiB")


def test_done_when_good_specs_alone_exit_0_with_only_the_summary(cli: Cli, in_repo: Path) -> None:
    small = (p for p in (ROOT / "specs").glob("*.yaml") if p.name != "gpt3.yaml")
    good = sorted(str(p.relative_to(ROOT)) for p in small)
    result = cli("check", *good, "specs/mlp.py")
    assert result.exit_code == 0
    assert result.stdout == f"linearcli: {len(good) + 1} specs checked: 0 errors, 0 warnings\n"


def test_python_specs_run_only_when_named(cli: Cli, in_repo: Path) -> None:
    assert "spec" in cli("check", "specs/broken/").stdout  # YAML only from a directory
    result = cli("check", "specs/broken/", "specs/broken/wrong_hidden_size.py")
    assert "specs/broken/wrong_hidden_size.py:14: error[in-features-mismatch] fc2" in result.stdout
    assert "bad_reshape.py" not in result.stdout


def test_collect_recurses_skips_non_specs_hidden_and_tool_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in {
        "a.yaml": GOOD,
        "nested/deeper/b.yml": GOOD,
        "nested/workflow.yaml": "on: push\njobs: {}\n",
        "nested/list.yaml": "- 1\n",
        ".hidden/c.yaml": GOOD,
        "node_modules/d.yaml": GOOD,
        "models/net.py": "x = 1\n",
        "broken.yaml": "model:\n  fc: {Linear: [1, 2]\n",
        "README.md": "model: no\n",
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert collect_specs(["."]) == ["./a.yaml", "./broken.yaml", "./nested/deeper/b.yml"]
    # named files are all kept, a non-spec YAML too: check says it is not a spec (exit 2)
    assert collect_specs(["nested/workflow.yaml", "models/net.py", "a.yaml", "a.yaml"]) == [
        "nested/workflow.yaml",
        "models/net.py",
        "a.yaml",
    ]
    # ...but not among the files pre-commit passes: a CI workflow is not a spec
    assert collect_specs(["nested/workflow.yaml", "a.yaml"], changed=True) == ["a.yaml"]
    assert collect_specs(["absent.yaml", "absent.py"]) == ["absent.yaml", "absent.py"]


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        (GOOD, True),
        ("model: []\n", True),
        ("on: push\n", False),
        ("- model\n", False),
        ("model:\n  fc: {Linear: [1\n", True),  # broken, but clearly a spec: report it
        ("x: [1\n", False),
        ("", False),
        ("jobs:\n  model: {a: 1}\nsteps: [model]\n", False),  # model, but not top-level
        ("a: &v {x: [1, {y: 2}]}\nb: *v\nmodel: {}\n", True),  # after nested and alias values
        ("? [complex, key]\n: value\nmodel: {}\n", True),
        ("model\n", False),  # a scalar document
        ("on: push\n---\nmodel: {}\n", False),  # only the first document counts
    ],
)
def test_is_yaml_spec(tmp_path: Path, text: str, spec: bool) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert is_yaml_spec(path) is spec


def changed_project(root: Path, files: dict[str, str]) -> None:
    """A project configured with paths = ["models/net.py", "specs"]; root is the cwd."""
    for name, text in {
        "models/layers.py": "class Block: ...\n",
        "models/unrelated.py": "x = 1\n",
        "specs/a.yaml": GOOD,
        "specs/b.yaml": GOOD,
        ".github/workflows/ci.yaml": "on: push\njobs: {}\n",
        **files,
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


CONFIGURED = ("models/net.py", "specs")


def changed(*paths: str, configured: tuple[str, ...] = CONFIGURED, **kwargs: Any) -> list[str]:
    return collect_specs(
        paths, changed=True, configured=configured, project_root=Path.cwd(), **kwargs
    )


@pytest.mark.parametrize(
    "statement",
    ["from layers import Block", "from .layers import Block", "import models.layers"],
)
def test_changed_checks_a_python_spec_when_a_file_it_imports_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str
) -> None:
    monkeypatch.chdir(tmp_path)
    changed_project(tmp_path, {"models/net.py": f"{statement}\n"})
    assert changed("models/layers.py") == ["models/net.py"]
    assert changed("models/net.py") == ["models/net.py"]
    assert changed(str(tmp_path / "models" / "layers.py")) == ["models/net.py"]  # resolved
    assert changed("models/unrelated.py") == []
    assert changed("specs/a.yaml") == ["specs/a.yaml"]  # the configured directory: not searched
    assert changed(".github/workflows/ci.yaml") == []
    assert changed("specs/b.yaml", "models/layers.py", "specs/a.yaml") == [
        "specs/b.yaml",
        "specs/a.yaml",
        "models/net.py",
    ]
    assert changed("models/layers.py", configured=("models/net.py:Net",)) == ["models/net.py:Net"]
    assert changed("models/layers.py", configured=()) == []  # Python runs only when configured
    assert changed("models/layers.py", exclude=["models/net.py"]) == []
    assert changed("specs/a.yaml", exclude=["specs/"]) == []


def test_changed_follows_imports_transitively_and_ends_on_cycles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    changed_project(
        tmp_path,
        {
            "models/net.py": "from layers import Block\n",
            "models/layers.py": "import blocks\n",
            "models/blocks.py": "import layers\nimport net\n",  # a cycle through net
        },
    )
    assert changed("models/blocks.py") == ["models/net.py"]
    assert changed("models/unrelated.py") == []


def test_changed_a_module_reference_is_found_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    changed_project(
        tmp_path, {"models/__init__.py": "", "models/net.py": "from .layers import B\n"}
    )
    assert changed("models/layers.py", configured=("models.net:Net",)) == ["models.net:Net"]
    assert changed("models/unrelated.py", configured=("models.net:Net",)) == []


def test_changed_an_unparsable_import_checks_the_spec_on_any_python_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    changed_project(tmp_path, {"models/net.py": "import layers\n", "models/layers.py": "def (\n"})
    # what layers.py imports cannot be known: any Python change may matter
    assert changed("models/unrelated.py") == ["models/net.py"]
    assert changed("specs/a.yaml") == ["specs/a.yaml"]


def test_a_file_that_cannot_be_checked_does_not_stop_the_others(cli: Cli, write: Write) -> None:
    wrong = write("wrong.yaml", WRONG)
    typo = write("typo.yaml", "input: {shape: [4]}\nmodel:\n  fc: Linaer\n")
    good = write("good.yaml", GOOD)
    result = cli("check", str(typo), str(wrong), str(good), "absent.py")
    assert result.exit_code == 2  # the worst wins
    assert result.stdout.splitlines() == [
        f"{typo}:3: error[spec-error] unknown layer type 'Linaer' (did you mean 'Linear'?)",
        f"{wrong}:4: error[in-features-mismatch] fc2: fc2 (Linear 6->2) got (2, 8) from fc1 "
        "(Linear 4->8); in_features is 6 (fix: set in_features to 8: nn.Linear(8, 2), or change "
        "fc1's out_features to 6: nn.Linear(4, 6))",
        "absent.py: error[spec-error] no such file",
        "linearcli: 4 specs checked: 3 errors, 0 warnings, 2 not checked",
    ]


def test_exit_codes_and_strict(cli: Cli, write: Write, in_repo: Path) -> None:
    assert cli("check", str(write("good.yaml", GOOD))).exit_code == 0
    assert cli("check", str(write("wrong.yaml", WRONG))).exit_code == 1
    assert cli("check", "specs/broken/conv1d_to_linear.yaml").exit_code == 0
    assert cli("check", "specs/broken/conv1d_to_linear.yaml", "--strict").exit_code == 1


def test_github_format(cli: Cli, write: Write, in_repo: Path) -> None:
    result = cli(
        "check",
        "specs/broken/skip_off_by_one.py",
        "specs/broken/conv1d_to_linear.yaml",
        "absent.yaml",
        "-f",
        "github",
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::error file=specs/broken/skip_off_by_one.py,line=24,title=linearcli forward-error::"
        "(model): the forward pass raised RuntimeError in the model's own forward (TinyUNet): "
        "Sizes of tensors must match"
    )
    assert lines[1].startswith(
        "::notice file=specs/broken/skip_off_by_one.py,line=19,title=linearcli not-called::head:"
    )
    assert lines[2].startswith(
        "::warning file=specs/broken/conv1d_to_linear.yaml,line=8,"
        "title=linearcli unflattened-input::"
    )
    assert lines[2].endswith(
        "(fix: insert nn.Flatten() (or x = x.flatten(1)) before fc and set in_features "
        "to 8*30 = 240: nn.Linear(240, 5))"
    )
    assert lines[3] == "::error file=absent.yaml,title=linearcli spec-error::no such file"
    assert lines[4] == "linearcli: 3 specs checked: 2 errors, 1 warning, 1 not checked"
    assert result.exit_code == 2


def test_github_escapes_per_the_workflow_command_rules(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "a,b:c.yaml"
    odd.write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [5, 100%]}\n")
    line = cli("check", odd.name, "-f", "github").stdout.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,title=linearcli build-error::")
    assert "100%25" in line


def test_json_format(cli: Cli, write: Write, in_repo: Path) -> None:
    result = cli(
        "check", "specs/mlp.yaml", "specs/broken/three_mismatches.yaml", "absent.yaml", "-f", "json"
    )
    data = json.loads(result.stdout)
    assert (data["schema_version"], data["ok"]) == (2, False)
    mlp, mismatches, absent = data["files"]
    assert (mlp["spec"], mlp["ok"], mlp["totals"]["params"]) == ("specs/mlp.yaml", True, 203_530)
    assert [d["layer"] for d in mismatches["diagnostics"]] == ["fc2", "fc3", "fc4"]
    assert absent == {
        "schema_version": 2,
        "spec": "absent.yaml",
        "ok": False,
        "error": {"code": "spec-error", "message": "no such file", "source": "absent.yaml"},
    }
    assert json.loads(cli("check", "specs/mlp.yaml", "-f", "json").stdout)["ok"] is True


def test_config_supplies_paths_inputs_and_options(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "wrong.yaml").write_text(WRONG)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "pair.py").write_text(
        "from torch import nn\n\n\nclass Pair(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.a = nn.Linear(3, 2)\n        self.b = nn.Linear(5, 2)\n\n"
        "    def forward(self, x, y):\n        return self.a(x) + self.b(y)\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.linearcli]\npaths = ["specs", "models/pair.py"]\ndevice = "meta"\n\n'
        '[tool.linearcli.inputs]\n"models/pair.py" = [[3], [5]]\n'
    )
    monkeypatch.chdir(tmp_path / "models")  # found by walking up
    data = json.loads(cli("check", "-f", "json").stdout)
    specs = [f["spec"] for f in data["files"]]
    assert specs == [str(Path("..") / "specs" / "wrong.yaml"), "pair.py"]  # as seen from here
    wrong, pair = data["files"]
    assert wrong["device"] == "meta" and wrong["diagnostics"][0]["code"] == "in-features-mismatch"
    assert pair["inputs"] == [[2, 3], [2, 5]] and pair["ok"] is True
    assert cli("check").exit_code == 1
    assert cli("check", "--device", "cpu", "-f", "json").json()["files"][0]["device"] == "cpu"


def test_unknown_config_keys_stop_with_exit_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.linearcli]\nbatchsize = 2\n")
    monkeypatch.chdir(tmp_path)
    for command in ("check", "inspect"):
        result = cli(command, "x.yaml")
        assert result.exit_code == 2
        assert result.stderr.startswith(
            "pyproject.toml: error: unknown key in [tool.linearcli]: batchsize"
        )


def test_config_strict_and_allow_imports_reach_inspect(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "zoo_twice.py").write_text(
        "from torch import nn\n\n\nclass Twice(nn.Linear):\n    pass\n"
    )
    (tmp_path / "spec.yaml").write_text(
        "input: {shape: [4]}\n"
        "model:\n  fc: {zoo_twice.Twice: [4, 4]}\n  spare: {Conv1d: [1, 1, 1]}\n"
    )
    monkeypatch.chdir(tmp_path)
    refused = cli("inspect", "spec.yaml")
    assert refused.exit_code == 2 and "needs --allow-imports" in refused.stderr
    assert (
        cli("inspect", "spec.yaml", "--allow-imports", "-f", "json").json()["layers"][0]["type"]
        == "Twice"
    )
    (tmp_path / "pyproject.toml").write_text(
        "[tool.linearcli]\nallow-imports = true\nstrict = true\n"
    )
    assert cli("inspect", "spec.yaml").exit_code == 1  # the Conv1d on (2, 4) fails: forward-error
    assert cli("inspect", "spec.yaml", "--no-allow-imports").exit_code == 2


def test_with_the_collector_off_no_spec_keeps_its_model_for_the_next(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI turns the garbage collector off; a model caught in a reference cycle (one
    # that refers to itself), or one made as its file was imported, must not stay in
    # memory while the next spec runs.
    cyclic = write(
        "cyclic.py",
        """
        import torch
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
                self.me = [self]

            def forward(self, x):
                return self.fc(x)

        example_input = torch.zeros(1, 4)
        """,
    )
    made_on_import = write(
        "made_on_import.py",
        """
        import torch

        model = torch.nn.Linear(4, 2)
        example_input = torch.zeros(1, 4)
        """,
    )
    models: list[weakref.ref[torch.nn.Module]] = []

    inspect = pipeline._inspect

    def spy(model: torch.nn.Module, *args: Any, **kwargs: Any) -> Report:
        alive = [ref for ref in models if ref() is not None]
        assert not alive, "an earlier spec's model is still in memory"
        models.append(weakref.ref(model))
        return inspect(model, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_inspect", spy)
    gc.collect()
    gc.disable()
    try:
        specs = [f"{cyclic}:Model", str(made_on_import), str(ROOT / "specs/mlp.yaml")]
        result = check_specs(specs, lambda _: RunOptions())
    finally:
        gc.enable()
        gc.unfreeze()
    assert [file.report is not None for file in result.files] == [True, True, True]
    assert len(models) == 3


# Which findings count ---------------------------------------------------------------------

NOQA_SPEC = """import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(6, 2)  # linearcli: ignore[in-features-mismatch]
        self.spare = nn.Linear(4, 4)  # noqa: not-called

    def forward(self, x):
        return self.fc2(self.fc1(x))


example_input = torch.zeros(2, 4)
"""


def test_select_ignore_and_suppression_comments(cli: Cli, write: Write, in_repo: Path) -> None:
    spec = "specs/broken/skip_off_by_one.py"  # forward-error (error) and not-called (info)
    assert [line.split()[1] for line in cli("check", spec).stdout.splitlines()[:-1]] == [
        "error[forward-error]",
        "info[not-called]",
    ]
    ignored = cli("check", spec, "--ignore", "forward")
    assert ignored.exit_code == 0
    assert ignored.stdout.splitlines()[0].startswith(f"{spec}:19: info[not-called]")
    selected = cli("check", spec, "--select", "not-called")
    assert selected.exit_code == 0 and "forward-error" not in selected.stdout
    assert cli("inspect", spec, "--ignore", "ALL").exit_code == 0
    typo = cli("check", spec, "--select", "nto-called")
    assert (typo.exit_code, typo.stderr) == (
        2,
        "linearcli: error: --select: unknown finding code 'nto-called'; "
        "did you mean 'not-called'?\n",
    )
    net = write("net.py", NOQA_SPEC)
    quiet = cli("check", str(net))
    assert (quiet.exit_code, quiet.stdout) == (
        0,
        "linearcli: 1 spec checked: 0 errors, 0 warnings\n",
    )
    net.write_text(NOQA_SPEC.replace("  # noqa: not-called", "  # noqa: init-outlier"))
    strict = cli("check", str(net), "--strict")
    assert strict.exit_code == 1
    assert f"{net}:10: warning[not-called] spare" in strict.stdout
    assert f"{net}:10: warning[unused-suppression]" in strict.stdout


APPLIED_SPEC = """import torch
from torch import nn
from torch.nn import functional as F


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(4, 12)
        self.spare = nn.Linear(4, 4)

    def forward(self, x):
        q, k, v = F.linear(x, self.qkv.weight, self.qkv.bias).chunk(3, dim=-1)
        return q * k + v


example_input = torch.zeros(2, 4)
"""


def test_a_weight_applied_by_the_forward_is_no_dead_layer(cli: Cli, write: Write) -> None:
    net = write("net.py", APPLIED_SPEC)
    strict = cli("check", str(net), "--strict")
    # only the layer nothing used is reported; qkv's weight went through F.linear
    assert strict.exit_code == 1
    assert [line.split(": ")[1] for line in strict.stdout.splitlines()[:-1]] == [
        "warning[not-called] spare"
    ]
    assert strict.stdout.splitlines()[0].startswith(f"{net}:10: ")
    assert cli("check", str(net), "--strict", "--ignore", "not-called").exit_code == 0


def test_select_and_ignore_in_the_config(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.linearcli]\nignore = ["in-features"]\n')
    spec = write("wrong.yaml", WRONG)
    monkeypatch.chdir(tmp_path)
    assert cli("check", "wrong.yaml").exit_code == 0
    assert cli("check", "wrong.yaml", "--select", "ALL").exit_code == 1  # the flag wins
    assert cli("check", str(spec), "--extend-select", "in-features-mismatch").exit_code == 1


def test_statistics_sarif_and_junit(cli: Cli, in_repo: Path) -> None:
    specs = ("specs/broken/three_mismatches.yaml", "specs/broken/skip_off_by_one.py")
    statistics = cli("check", *specs, "--statistics")
    assert statistics.exit_code == 1
    assert statistics.stdout.splitlines() == [
        "   3  in-features-mismatch  error",
        "   1  forward-error         error",
        "   1  not-called            info",
        "linearcli: 2 specs checked: 4 errors, 0 warnings",
    ]
    sarif = json.loads(cli("check", *specs, "--output-format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results
    ] == [
        ("in-features-mismatch", 6),
        ("in-features-mismatch", 7),
        ("in-features-mismatch", 8),
        ("forward-error", 24),
        ("not-called", 19),
    ]
    junit = cli("check", *specs, "-f", "junit")
    suite = ElementTree.fromstring(junit.stdout).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "2")
