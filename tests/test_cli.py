from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import linearcli.pipeline
from linearcli import __version__
from linearcli.cli import BUG_REPORT_LINE

from .conftest import ROOT, Result, environ_without_color

Cli = Callable[..., Result]
Write = Callable[[str, str], Path]

pytestmark = pytest.mark.usefixtures("in_repo")


def test_inspect_mlp_table_exits_0(cli: Cli, golden: Callable[[str, str], None]) -> None:
    result = cli("inspect", "specs/mlp.yaml")
    assert result.exit_code == 0, result.stderr
    golden("cli_mlp_80.txt", result.stdout)
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes


def test_inspect_json_has_the_facts_in_the_schema(cli: Cli) -> None:
    result = cli("inspect", "specs/mlp.yaml", "--format", "json")
    assert result.exit_code == 0
    data = result.json()
    assert (data["schema_version"], data["spec"], data["ok"]) == (2, "specs/mlp.yaml", True)
    assert (data["device"], data["dtype"], data["inputs"], data["output_shape"]) == (
        "cpu",
        "float32",
        [[3, 784]],
        [3, 10],
    )
    hidden, output = data["layers"]
    assert (hidden["name"], hidden["in_features"], hidden["out_features"], hidden["params"]) == (
        "hidden",
        784,
        256,
        200_960,
    )
    assert hidden["weight_shape"] == [256, 784] and hidden["bias_shape"] == [256]
    assert hidden["init_bound"] == pytest.approx(0.03571, abs=5e-6)
    assert hidden["input_shape"] == [3, 784] and hidden["output_shape"] == [3, 256]
    assert (hidden["calls"], hidden["status"], hidden["source"]) == (1, "ok", "specs/mlp.yaml:5")
    assert (output["name"], output["params"], output["source"]) == (
        "output",
        2_570,
        "specs/mlp.yaml:7",
    )
    assert data["totals"]["linear_params"] == data["totals"]["params"] == 203_530
    assert data["diagnostics"] == []


def test_markdown_format(cli: Cli) -> None:
    result = cli("inspect", "specs/mlp.yaml", "-f", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("### nn.Linear layers in `specs/mlp.yaml`\n")
    assert "| output | 256 → 10 | (10, 256) | (10,) | 2,570 | 0.0625 |" in result.stdout


def test_error_findings_exit_1(cli: Cli) -> None:
    result = cli("inspect", "specs/broken/wrong_hidden_size.yaml", "-f", "json")
    assert result.exit_code == 1
    data = result.json()
    assert data["ok"] is False
    assert [(d["severity"], d["code"], d["layer"]) for d in data["diagnostics"]] == [
        ("error", "in-features-mismatch", "fc2"),
    ]
    assert [layer["status"] for layer in data["layers"]] == ["ok", "error"]


def test_warnings_exit_0_and_1_with_strict(cli: Cli) -> None:
    assert cli("inspect", "specs/broken/unused_linear.py").exit_code == 0
    assert cli("inspect", "specs/broken/unused_linear.py", "--strict").exit_code == 1
    assert cli("inspect", "specs/mlp.yaml", "--strict").exit_code == 0


def test_input_shape_and_batch_size(cli: Cli) -> None:
    data = cli("inspect", "specs/mlp.yaml", "-i", "784", "-b", "5", "-f", "json").json()
    assert data["inputs"] == [[5, 784]] and data["layers"][0]["output_shape"] == [5, 256]
    data = cli(
        "inspect", "specs/cnn.yaml", "--input-shape", "3x32x32", "--batch-size", "1", "-f", "json"
    ).json()
    assert data["inputs"] == [[1, 3, 32, 32]]


def test_several_input_shapes(cli: Cli, write: Write) -> None:
    path = write(
        "two.py",
        """
        import torch
        from torch import nn


        class Pair(nn.Module):
            def __init__(self):
                super().__init__()
                self.left = nn.Linear(3, 4)
                self.right = nn.Linear(5, 4)

            def forward(self, a, b):
                return self.left(a) + self.right(b)
        """,
    )
    data = cli("inspect", str(path), "-i", "3", "-i", "5", "-f", "json").json()
    assert data["inputs"] == [[2, 3], [2, 5]]
    assert [layer["input_shape"] for layer in data["layers"]] == [[2, 3], [2, 5]]
    assert data["output_shape"] == [2, 4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-i", "3,a"], "'3,a' is not a shape", id="shape-text"),
        pytest.param(["-i", "3,0"], "a shape is one or more positive integers", id="shape-zero"),
        pytest.param(
            ["-b", "0"], "'--batch-size' / '-b': '0': it must be at least 1", id="batch-zero"
        ),
        pytest.param(["--dtype", "int8"], "'int8' is not one of", id="dtype"),
        pytest.param(["--format", "xml"], "'xml' is not one of", id="format"),
        pytest.param(["--arg", "novalue"], "'novalue' is not KEY=VALUE", id="arg"),
        pytest.param(["--seed", "x"], "'--seed': 'x' is not a whole number", id="seed"),
        pytest.param(
            ["--seed", str(2**64)],
            f"'--seed': '{2**64}': a seed is a whole number from 0 to 2^64 - 1",
            id="seed-past-int64",
        ),
        pytest.param(
            ["--max-memory", "lots"],
            "'--max-memory': 'lots' is not a size such as 8GB, 512MiB or 1000000",
            id="memory-text",
        ),
        pytest.param(
            ["--max-memory", "0"], "'--max-memory': '0': a memory budget is at least 1 byte", id="0"
        ),
        pytest.param(
            ["--max-memory", "-1"], "'--max-memory': '-1': a memory budget is at least 1", id="-1"
        ),
        pytest.param(["--max-memory", "inf"], "'inf' is not a size", id="memory-inf"),
        pytest.param(
            ["-i", str(2**70)], f"'{2**70}': a size is at most 2^31 = 2,147,483,648", id="2**70"
        ),
        pytest.param(["-b", str(2**70)], "is beyond any real size", id="batch-2**70"),
        pytest.param(["--depth", "0"], "'--depth': '0': it must be at least 1", id="depth"),
        pytest.param(["--export-svg", "."], "'.' is a directory", id="export-dir"),
        pytest.param(["--device", ""], "'' is not a device", id="device-empty"),
        pytest.param(["--nonsense"], "No such option: --nonsense", id="unknown-option"),
    ],
)
def test_bad_option_values_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli("inspect", "specs/mlp.yaml", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # one line, no box, no usage page
    assert line.startswith("linearcli inspect: error: ")
    assert message in line
    assert line.endswith("(see linearcli inspect --help)")


@pytest.mark.parametrize("command", ["inspect", "check"])
def test_a_bad_memory_budget_is_a_usage_error_not_a_bug(cli: Cli, command: str) -> None:
    for value in ("lots", "0", "-1"):
        result = cli(command, "specs/mlp.yaml", "--max-memory", value)
        assert result.exit_code == 2, result.stderr
        assert "internal error" not in result.stderr
        assert f"'{value}'" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_batch_no_tensor_can_hold_is_refused(cli: Cli) -> None:
    size = str(2**31)
    result = cli("inspect", "specs/mlp.yaml", "-i", f"{size},{size}", "-b", size)
    assert result.exit_code == 2
    assert result.stderr == (
        "linearcli: error: a sample batch of shape (2147483648, 2147483648, 2147483648) "
        "has more than 2^62 values; no tensor can hold it\n"
    )


def test_dash_h_is_help(cli: Cli) -> None:
    for command in ((), ("inspect",), ("check",), ("explain",), ("schema",)):
        short, long = cli(*command, "-h"), cli(*command, "--help")
        assert short.exit_code == long.exit_code == 0
        assert short.stdout == long.stdout and "Usage: linearcli" in short.stdout


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_dtype(cli: Cli, dtype: str) -> None:
    data = cli("inspect", "specs/mlp.yaml", "--dtype", dtype, "-f", "json").json()
    assert data["dtype"] == dtype
    size = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}[dtype]
    assert data["totals"]["param_bytes"] == 203_530 * size


def test_seed(cli: Cli) -> None:
    def weight_range(*args: str) -> list[float]:
        return cli("inspect", "specs/mlp.yaml", "-f", "json", *args).json()["layers"][0][
            "weight_range"
        ]

    assert weight_range() == weight_range("--seed", "0")
    assert weight_range("--seed", "3") == weight_range("--seed", "3")
    assert weight_range("--seed", "3") != weight_range("--seed", "4")


def test_meta_device(cli: Cli) -> None:
    result = cli("inspect", "specs/mlp.yaml", "--device", "meta", "-f", "json")
    assert result.exit_code == 0
    data = result.json()
    assert data["device"] == "meta"
    assert [layer["weight_range"] for layer in data["layers"]] == [None, None]
    assert [layer["params"] for layer in data["layers"]] == [200_960, 2_570]
    assert data["output_shape"] == [3, 10]


def test_auto_device(cli: Cli) -> None:
    data = cli("inspect", "specs/mlp.yaml", "-d", "auto", "-f", "json").json()
    assert data["device"] == ("cuda:0" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_cuda_exits_2(cli: Cli) -> None:
    result = cli("inspect", "specs/mlp.yaml", "--device", "cuda")
    assert result.exit_code == 2
    assert result.stderr.startswith("linearcli: error: device 'cuda' is not available")


def test_arg_reaches_the_factory(cli: Cli, write: Write) -> None:
    path = write(
        "factory.py",
        """
        from torch import nn


        def build_model(hidden=8, bias=True):
            return nn.Sequential(nn.Linear(4, hidden, bias=bias), nn.Linear(hidden, 1))
        """,
    )
    data = cli(
        "inspect", str(path), "-i", "4", "--arg", "hidden=32", "--arg", "bias=false", "-f", "json"
    ).json()
    first, second = data["layers"]
    assert (first["out_features"], first["bias_shape"], first["params"]) == (32, None, 128)
    assert second["in_features"] == 32


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        pytest.param(["absent.yaml"], "absent.yaml: error: no such file\n", id="missing"),
        pytest.param(
            ["specs/broken/wrong_hidden_size.yaml", "--arg", "a=1"],
            "--arg applies to Python specs only",
            id="arg-yaml",
        ),
        pytest.param(
            ["specs/mlp.py", "-b", "4"], "--batch-size needs --input-shape", id="batch-example"
        ),
        pytest.param(["specs/mlp.yaml", "-d", "tpu"], "unknown device 'tpu'", id="device"),
    ],
)
def test_could_not_check_exits_2_with_one_line(cli: Cli, args: list[str], stderr: str) -> None:
    result = cli("inspect", *args)
    assert result.exit_code == 2
    assert stderr in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        pytest.param("model:\n  fc: {Linear: [1, 2]\n", ":3", "invalid YAML", id="yaml"),
        pytest.param(
            "input: {shape: [3]}\nmodel:\n  fc: Linaer\n",
            ":3",
            "did you mean 'Linear'?",
            id="unknown-type",
        ),
        pytest.param(
            "input: {shape: [3]}\nmodel:\n  fc: {Linear: [3, -1]}\n",
            ":3",
            "Linear(3, -1) failed",
            id="arguments",
        ),
    ],
)
def test_yaml_errors_name_file_and_line(
    cli: Cli, write: Write, text: str, location: str, message: str
) -> None:
    path = write("bad.yaml", text)
    result = cli("inspect", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}{location}: error: ")
    assert message in result.stderr


def test_python_spec_errors_exit_2(cli: Cli, write: Write) -> None:
    path = write("boom.py", "import torch\n\nraise ImportError('no such thing')\n")
    result = cli("inspect", str(path))
    assert result.exit_code == 2
    assert (
        result.stderr == f"{path}:3: error: importing the file raised ImportError: no such thing\n"
    )
    path = write("empty.py", "x = 1\n")
    assert "no model found" in cli("inspect", str(path)).stderr


def test_json_errors_are_one_json_document(cli: Cli) -> None:
    result = cli("inspect", "absent.yaml", "-f", "json")
    assert result.exit_code == 2
    assert result.json() == {
        "schema_version": 2,
        "ok": False,
        "error": {"code": "spec-error", "message": "no such file", "source": "absent.yaml"},
    }


def test_debug_shows_the_traceback(cli: Cli, write: Write) -> None:
    path = write("boom.py", "raise ValueError('deep')\n")
    quiet = cli("inspect", str(path))
    loud = cli("inspect", str(path), "--debug")
    assert "Traceback" not in quiet.stderr
    assert loud.exit_code == 2
    assert "Traceback (most recent call last)" in loud.stderr and "ValueError: deep" in loud.stderr
    assert loud.stderr.rstrip().endswith("error: importing the file raised ValueError: deep")


def test_internal_error_exits_3_with_traceback(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(linearcli.pipeline, "inspect_spec", broken)
    result = cli("inspect", "specs/mlp.yaml")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "ZeroDivisionError: a bug" in result.stderr
    assert BUG_REPORT_LINE in " ".join(result.stderr.split())


def test_ctrl_c_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(linearcli.pipeline, "inspect_spec", interrupted)
    result = cli("inspect", "specs/mlp.yaml")
    assert result.exit_code == 130
    assert result.stderr == "linearcli: interrupted\n"


def test_version_and_help(cli: Cli) -> None:
    assert cli("--version").stdout == f"linearcli {__version__}\n"
    top = cli("--help")
    assert top.exit_code == 0 and "Exit codes" in top.stdout
    for command in ("inspect", "check", "explain", "schema"):
        assert command in top.stdout
        assert cli(command, "--help").exit_code == 0
    help_text = " ".join(cli("inspect", "--help").stdout.replace("│", " ").split())
    for option in (
        "--input-shape",
        "-i",
        "--batch-size",
        "-b",
        "--device",
        "--dtype",
        "--seed",
        "--format",
        "--strict",
        "--arg",
        "--allow-imports",
        "--debug",
    ):
        assert option in help_text
    assert "cpu, cuda, cuda:N, meta, auto, or another device torch has (mps, xpu)" in help_text
    assert "a module-level nn.Module called `model`; else a function called `build_model`" in (
        help_text
    )
    check_help = " ".join(cli("check", "--help").stdout.replace("│", " ").split())
    assert "named here or in [tool.linearcli] paths" in check_help  # not eaten as markup


# Real processes ------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, cwd=ROOT, env=environ_without_color(), timeout=120
    )


def test_console_script_and_module_print_the_same_table() -> None:
    script = shutil.which("linearcli", path=str(Path(sys.executable).parent))
    assert script is not None, "the linearcli console script is not installed"
    as_script = run(script, "inspect", "specs/mlp.yaml")
    as_module = run(sys.executable, "-m", "linearcli", "inspect", "specs/mlp.yaml")
    assert as_script.returncode == as_module.returncode == 0
    assert as_script.stdout == as_module.stdout
    assert "\x1b[" not in as_script.stdout and as_script.stderr == ""
    assert "200,960" in as_script.stdout
    assert [line for line in as_script.stdout.splitlines() if line != line.rstrip()] == []


def test_json_pipes_cleanly_with_nothing_on_stderr() -> None:
    result = run(sys.executable, "-m", "linearcli", "inspect", "specs/mlp.yaml", "-f", "json")
    assert json.loads(result.stdout)["totals"]["params"] == 203_530
    assert result.stderr == ""  # no torch or NumPy warning reaches the user


COLOUR_CODE = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-9]|9[0-7]|4[0-9]|10[0-7])(?:;\d+)*m")


def test_colour_on_a_terminal_and_none_with_no_color() -> None:
    env = {**environ_without_color(), "FORCE_COLOR": "1"}
    argv = (sys.executable, "-m", "linearcli", "inspect", "specs/mlp.yaml")
    coloured = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert "\x1b[32mok" in coloured.stdout  # the status is green on a terminal
    padded = re.compile(r" +(?:\x1b\[[0-9;]*m)*$")
    assert [line for line in coloured.stdout.splitlines() if padded.search(line)] == []
    plain = subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env={**env, "NO_COLOR": "1"}, timeout=120
    )
    assert plain.returncode == 0 and "200,960" in plain.stdout
    assert COLOUR_CODE.search(plain.stdout) is None


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from linearcli.cli import run\n"
        "run(['--help'])\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    result = run(sys.executable, "-c", code)
    assert result.stderr.strip() == "False"


@pytest.mark.slow  # ten real processes, each importing torch
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_is_not_utf8_gets_ascii_not_a_crash(encoding: str, in_repo: Path) -> None:
    env = {**environ_without_color(), "PYTHONIOENCODING": encoding}
    for args in (
        ["inspect", "specs/mlp.yaml"],
        ["inspect", "tests/hostile/unicode_names.yaml"],
        ["explain", "2", "2"],
        ["check", "specs/broken/cnn_no_flatten.yaml"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "linearcli", *args],
            capture_output=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
        assert result.returncode in (0, 1), result.stderr.decode(encoding)
        assert b"UnicodeEncodeError" not in result.stderr and b"Traceback" not in result.stderr
        result.stdout.decode("ascii")  # our symbols became ASCII; names became '?'
    explained = subprocess.run(
        [sys.executable, "-m", "linearcli", "explain", "2", "2"],
        capture_output=True,
        cwd=ROOT,
        env=env,
    ).stdout.decode("ascii")
    assert "y = x W^T + b" in explained and "ok the module returned" in explained


def test_exports_get_the_permissions_of_any_new_file_and_keep_an_old_ones(
    cli: Cli, tmp_path: Path
) -> None:
    old_umask = os.umask(0o022)
    try:
        new, kept = tmp_path / "new.html", tmp_path / "kept.svg"
        kept.write_text("older")
        kept.chmod(0o640)
        result = cli(
            "inspect", "specs/mlp.yaml", "--export-html", str(new), "--export-svg", str(kept)
        )
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    page = new.read_text()
    assert "<title>linearcli inspect specs/mlp.yaml</title>" in page
    assert "200,960" in page


def test_exports_are_written_whole(cli: Cli, tmp_path: Path) -> None:
    svg, html = tmp_path / "mlp.svg", tmp_path / "mlp.html"
    html.write_text("an older export")
    result = cli("inspect", "specs/mlp.yaml", "--export-svg", str(svg), "--export-html", str(html))
    assert result.exit_code == 0
    assert svg.read_text().startswith("<svg") and "200,960" in svg.read_text()
    assert html.read_text().lstrip().startswith("<!DOCTYPE html>") and "200,960" in html.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mlp.html",
        "mlp.svg",
    ]  # no temporary left


def test_an_export_with_findings_is_still_written(cli: Cli, tmp_path: Path) -> None:
    svg = tmp_path / "broken.svg"
    assert (
        cli("inspect", "specs/broken/three_mismatches.yaml", "--export-svg", str(svg)).exit_code
        == 1
    )
    assert "in-features-mismatch" in svg.read_text()


def test_no_export_when_the_spec_cannot_be_checked(cli: Cli, tmp_path: Path) -> None:
    svg = tmp_path / "none.svg"
    assert cli("inspect", "absent.yaml", "--export-svg", str(svg)).exit_code == 2
    assert not svg.exists()


def test_an_export_never_overwrites_its_spec(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "mlp.yaml"
    spec.write_text((ROOT / "specs" / "mlp.yaml").read_text())
    before = spec.read_text()
    for args in (["--export-svg", str(spec)], ["--export-html", str(tmp_path / "." / "mlp.yaml")]):
        result = cli("inspect", str(spec), *args)
        assert result.exit_code == 2
        assert "refusing to write the export over the spec" in result.stderr
    assert spec.read_text() == before


def test_an_unwritable_export_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    result = cli("inspect", "specs/mlp.yaml", "--export-html", str(tmp_path / "absent" / "x.html"))
    assert result.exit_code == 2
    target = tmp_path / "absent" / "x.html"
    assert (
        result.stderr
        == f"{target}: error: cannot write the HTML export: No such file or directory\n"
    )


def test_progress_shows_on_a_terminal_only_after_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import time

    from rich.console import Console

    from linearcli import output

    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setattr(output, "PROGRESS_DELAY_S", 0.2)
    # (a real terminal, Rich told it is one as FORCE_COLOR does, work, shown)
    for tty, forced, work_s, shown in (
        (True, True, 0.6, True),
        (True, True, 0.0, False),
        (False, False, 0.6, False),
        (False, True, 0.6, False),  # FORCE_COLOR=1 with stderr sent to a log file
    ):
        out = Stream(tty)
        console = Console(file=out, force_terminal=forced, width=80)
        with output.progress(console, "inspecting specs/mlp.yaml"):
            time.sleep(work_s)
        assert ("inspecting specs/mlp.yaml" in out.getvalue()) is shown


# Linter conventions ----------------------------------------------------------------------


def test_exit_zero_passes_findings_but_not_a_spec_that_could_not_be_checked(
    cli: Cli, in_repo: Path
) -> None:
    broken = "specs/broken/wrong_hidden_size.yaml"
    assert cli("check", broken).exit_code == 1
    assert cli("check", broken, "--exit-zero").exit_code == 0
    assert cli("inspect", broken, "--exit-zero").exit_code == 0
    assert cli("check", broken, "absent.yaml", "--exit-zero").exit_code == 2
    warned = "specs/broken/conv1d_to_linear.yaml"
    assert cli("check", warned, "--strict", "--exit-zero").exit_code == 0


def test_quiet_prints_only_the_findings_and_verbose_says_every_spec(
    cli: Cli, in_repo: Path
) -> None:
    specs = ("specs/broken/wrong_hidden_size.yaml", "specs/mlp.yaml", "absent.yaml")
    loud = cli("check", *specs)
    quiet = cli("check", *specs, "-q")
    assert quiet.stdout.splitlines() == loud.stdout.splitlines()[:-1]
    assert loud.stdout.splitlines()[-1].startswith("linearcli: 3 specs checked")
    verbose = cli("check", *specs, "-v")
    assert verbose.stdout == loud.stdout  # stdout stays machine-readable
    assert verbose.stderr.splitlines() == [
        "linearcli: specs/broken/wrong_hidden_size.yaml: 1 error",
        "linearcli: specs/mlp.yaml: ok",
        "linearcli: absent.yaml: not checked: no such file",
    ]
    gpt3 = cli("inspect", "specs/gpt3.yaml", "--max-memory", "1GB", "-q", "-f", "json")
    assert gpt3.exit_code == 0 and gpt3.stderr == ""  # no meta-fallback note


def test_output_format_is_the_same_option_as_format(cli: Cli, in_repo: Path) -> None:
    spec = "specs/broken/wrong_hidden_size.yaml"
    assert cli("check", spec, "--output-format", "github").stdout == (
        cli("check", spec, "-f", "github").stdout
    )
    assert cli("inspect", "specs/mlp.yaml", "--output-format", "json").json()["ok"] is True


def test_color_always_never_and_auto(cli: Cli, in_repo: Path) -> None:
    always = cli("inspect", "specs/mlp.yaml", "--color", "always", env={"NO_COLOR": "1"})
    assert "\x1b[32mok" in always.stdout  # always wins over NO_COLOR
    never = cli("inspect", "specs/mlp.yaml", "--color", "never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in never.stdout and "200,960" in never.stdout
    auto = cli("inspect", "specs/mlp.yaml")  # not a terminal here
    assert "\x1b[" not in auto.stdout
    assert cli("inspect", "specs/mlp.yaml", "--color", "sometimes").exit_code == 2
    spec = "specs/broken/skip_off_by_one.py"
    coloured = cli("check", spec, "--color", "always").stdout.splitlines()
    assert coloured[0].startswith(f"{spec}:24: \x1b[1;31merror\x1b[0m[forward-error] (model): ")
    assert coloured[1].startswith(f"{spec}:19: \x1b[36minfo\x1b[0m[not-called] head: ")
    assert "\x1b[" not in cli("check", spec, "--color", "never", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in cli("check", spec).stdout  # not a terminal


def test_shell_completion_is_offered(cli: Cli) -> None:
    top = cli("--help").stdout
    assert "--install-completion" in top and "--show-completion" in top
    script = cli("--show-completion", "bash")
    assert script.exit_code == 0
    assert "_linearcli_completion" in script.stdout and "complete " in script.stdout


def test_input_shapes_with_dtypes(cli: Cli, write: Write) -> None:
    path = write(
        "embed.py",
        """
        import torch
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 8)
                self.fc = nn.Linear(8, 2)

            def forward(self, ids, mask):
                assert ids.dtype == torch.int64 and int(ids.max()) < 100
                return self.fc(self.embed(ids) * mask.unsqueeze(-1))
        """,
    )
    data = cli("inspect", str(path), "-i", "16:int64:100", "-i", "16:int64", "-f", "json")
    assert data.exit_code == 0, data.stderr
    assert data.json()["inputs"] == [[2, 16], [2, 16]]
    assert data.json()["layers"][0]["input_shape"] == [2, 16, 8]
    for given, message in (
        ("16:int64:x", "the bound of integer ids is a positive whole number, e.g. 16:int64:30522"),
        ("16:int8:3", "the dtype is one of float32, float64, float16, bfloat16, int64, int32"),
        ("16:float32:3", "only integer ids take an upper bound"),
    ):
        refused = cli("inspect", str(path), "-i", given, "-i", "16")
        assert refused.exit_code == 2 and message in refused.stderr


@pytest.mark.parametrize("device", ["mps", "xpu"])
def test_other_torch_devices_are_named_clearly_when_absent(cli: Cli, device: str) -> None:
    if getattr(torch, device).is_available():
        pytest.skip(f"this machine has {device}")
    result = cli("inspect", "specs/mlp.yaml", "--device", device)
    assert (result.exit_code, result.stderr) == (
        2,
        f"linearcli: error: device {device!r} is not available: torch {torch.__version__} has "
        f"no {device} device on this machine\n",
    )


def test_mode_columns_and_the_flow_in_markdown_and_html(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "aux.py"
    path.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n        self.aux = nn.Linear(4, 3)\n\n"
        "    def forward(self, x):\n        if self.training:\n            self.aux(x)\n"
        "        return self.fc(x)\n\n\nexample_input = torch.zeros(2, 4)\n"
    )
    evaluated = cli("inspect", str(path), "-f", "json").json()
    trained = cli("inspect", str(path), "-f", "json", "--mode", "train").json()
    assert [layer["calls"] for layer in evaluated["layers"]] == [1, 0]
    assert [layer["calls"] for layer in trained["layers"]] == [1, 1]
    assert cli("inspect", str(path), "--mode", "test").exit_code == 2

    table = cli("inspect", "specs/mlp.yaml", "--columns", "params,mult_adds,status")
    assert table.stdout.splitlines()[2].split() == ["layer", "params", "mult-adds", "status"]
    assert "609.8 K mult-adds in Linear layers (609,792)" in table.stdout
    bad = cli("inspect", "specs/mlp.yaml", "--columns", "params,flops")
    assert bad.exit_code == 2 and "unknown column 'flops'" in bad.stderr

    markdown = cli("inspect", "specs/broken/wrong_hidden_size.yaml", "-f", "markdown").stdout
    flow = markdown[markdown.index("```mermaid") :]
    assert 'n1["fc1 784 → 256"]' in flow and "class n2 error" in flow
    assert "linkStyle 1 stroke:#d73a49,stroke-width:3px" in flow
    page = tmp_path / "wrong.html"
    assert (
        cli("inspect", "specs/broken/wrong_hidden_size.yaml", "--export-html", str(page)).exit_code
        == 1
    )
    html = page.read_text()
    assert '<pre class="mermaid">' in html and "fc2 128 → 10" in html
