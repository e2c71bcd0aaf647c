"""Issue 16's file and stream situations: nothing destroyed, nothing hangs, stdout stays
linearcli's, and the model is left as found. Each with its exact outcome."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from linearcli import inspect_model

from .conftest import ROOT, Result, environ_without_color

Cli = Callable[..., Result]
TIMEOUT_S = 60
NOISY = """
import os
import torch
from torch import nn

print("printed on import")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        print("printed in forward")
        os.write(1, b"written to fd 1\\n")
        return self.fc(x)


example_input = torch.zeros(2, 4)
"""


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linearcli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ_without_color(),
        timeout=TIMEOUT_S,
    )


def test_what_a_spec_prints_goes_to_stderr_and_json_stays_one_document(tmp_path: Path) -> None:
    spec = tmp_path / "noisy.py"
    spec.write_text(NOISY)
    for command in (["inspect", str(spec), "-f", "json"], ["check", str(spec), "-f", "json"]):
        result = run(*command)
        assert result.returncode == 0, result.stderr
        json.loads(result.stdout)  # exactly one document, nothing before or after it
        for said in ("printed on import", "printed in forward", "written to fd 1"):
            assert said in result.stderr and said not in result.stdout


def test_an_export_that_cannot_be_written_leaves_one_json_document(
    cli: Cli, tmp_path: Path, in_repo: Path
) -> None:
    target = tmp_path / "missing" / "x.svg"
    result = cli("inspect", "specs/mlp.yaml", "-f", "json", "--export-svg", str(target))
    assert result.exit_code == 2
    document = json.loads(result.stdout)  # the error alone, not a report and then an error
    assert document["ok"] is False and "cannot write the SVG export" in document["error"]["message"]


@pytest.mark.parametrize("kind", ["fifo", "device-link"])
def test_an_export_never_replaces_what_is_not_a_regular_file(
    cli: Cli, tmp_path: Path, in_repo: Path, kind: str
) -> None:
    target = tmp_path / "out.svg"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/null")
    result = cli("inspect", "specs/mlp.yaml", "--export-svg", str(target))
    assert (result.exit_code, result.stderr) == (
        2,
        f"{target}: error: cannot write the SVG export: refusing to write over something "
        "that is not a regular file\n",
    )
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(target).st_mode)
    else:
        assert target.is_symlink() and os.readlink(target) == "/dev/null"


def test_an_export_through_a_symlink_writes_its_target_and_keeps_the_link(
    cli: Cli, tmp_path: Path, in_repo: Path
) -> None:
    real = tmp_path / "real.html"
    real.write_text("old")
    real.chmod(0o604)
    link = tmp_path / "link.html"
    link.symlink_to(real)
    assert cli("inspect", "specs/mlp.yaml", "--export-html", str(link)).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "200,960" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o604


def test_a_fifo_or_device_named_like_a_spec_is_refused_at_once(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    for spec in (fifo, zero):
        result = run("inspect", str(spec))
        assert (result.returncode, result.stderr) == (2, f"{spec}: error: not a file\n")


def test_an_unreadable_spec_is_one_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "locked.yaml"
    spec.write_text("model:\n  fc: {Linear: [4, 2]}\n")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == spec:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    result = cli("inspect", str(spec))
    assert (result.exit_code, result.stderr) == (
        2,
        f"{spec}: error: cannot read the file: Permission denied\n",
    )


class Meddling(nn.Module):
    """A forward() that writes a buffer, draws random numbers and registers a hook."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.fc.register_forward_hook(lambda module, args, out: None)
        return self.fc(x + torch.rand_like(x))


def test_the_model_is_left_as_found_buffers_rng_hooks() -> None:
    model = Meddling()
    rng = torch.get_rng_state()
    inspect_model(model, torch.zeros(2, 4))
    assert float(model.calls) == 0.0  # the buffer the forward wrote, restored
    assert torch.equal(torch.get_rng_state(), rng)  # the draws, undone
    assert len(model.fc._forward_hooks) == 0  # the hook forward() registered, removed


def test_parameters_a_forward_changes_in_place_are_not_restored_as_documented() -> None:
    class Scaling(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.fc.weight.mul_(2)
            return self.fc(x)

    model = Scaling()
    before = model.fc.weight.detach().clone()
    inspect_model(model, torch.zeros(2, 4))
    assert torch.equal(model.fc.weight, before * 2)  # docs/report.md says so


ODD_BASE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


example_input = torch.zeros(2, 4)
"""
WEIRD = """
class Weird(Exception):
    def __str__(self):
        raise ValueError


def forward(self, x):
    raise Weird()


Net.forward = forward
"""
ODD_LINEAR = """
class Odd(nn.Linear):
    def __init__(self):
        super().__init__(4, 2)
        self.in_features = "four"


def init(self):
    nn.Module.__init__(self)
    self.fc = Odd()


Net.__init__ = init
"""
SCRIPTED = """
def init(self):
    nn.Module.__init__(self)
    self.fc = torch.jit.script(nn.Linear(4, 2))


Net.__init__ = init
"""
GETATTR = """
def __getattr__(name):
    raise RuntimeError("boom " + name)
"""


@pytest.mark.parametrize(
    ("source", "exit_code", "layers", "message"),
    [
        pytest.param(GETATTR, 0, [("fc", 4, 2)], None, id="module-getattr-raises"),
        pytest.param(
            WEIRD, 1, [("fc", 4, 2)], "<Weird whose message could not be read>", id="str-raises"
        ),
        pytest.param(
            SCRIPTED,
            0,
            [("fc", 4, 2)],  # no hooks on TorchScript: read from the weight the pass applied
            None,
            id="scripted-submodule",
            marks=pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated"),
        ),
        pytest.param(ODD_LINEAR, 0, [("fc", 4, 2)], None, id="in-features-not-an-int"),
    ],
)
def test_odd_user_code_is_never_an_internal_error(
    cli: Cli,
    tmp_path: Path,
    source: str,
    exit_code: int,
    layers: list[tuple[str, int, int]],
    message: str | None,
) -> None:
    spec = tmp_path / "odd.py"
    spec.write_text(ODD_BASE + source)
    result = cli("inspect", f"{spec}:Net", "-f", "json")
    assert result.exit_code == exit_code, result.stdout + result.stderr
    data = result.json()
    rows = [(r["name"], r["in_features"], r["out_features"]) for r in data["layers"]]
    assert rows == layers
    if message is not None:
        assert any(message in d["message"] for d in data["diagnostics"])


EXITS = {
    "sys-exit-in-build": (
        "import sys\n\n\ndef build_model():\n    sys.exit(0)\n",
        "build_model() raised SystemExit: the spec called sys.exit(0)",
    ),
    "os-exit-on-import": (
        "import os\n\nos._exit(0)\n",
        "importing the file raised SystemExit: the spec called os._exit(0)",
    ),
    "os-exit-in-forward": (
        ODD_BASE
        + "\n\ndef forward(self, x):\n    import os\n    os._exit(0)\n\n\nNet.forward = forward\n",
        "the spec called os._exit(0)",
    ),
    "sys-exit-in-example-input": (
        ODD_BASE.replace("example_input = torch.zeros(2, 4)", "")
        + "\n\ndef example_input():\n    raise SystemExit(3)\n",
        "example_input() raised SystemExit: the spec called sys.exit(3)",
    ),
}


@pytest.mark.parametrize("name", sorted(EXITS))
def test_a_spec_that_exits_is_never_a_pass_and_the_next_file_is_still_checked(
    tmp_path: Path, name: str
) -> None:
    source, message = EXITS[name]
    spec = tmp_path / "exits.py"
    spec.write_text(source)
    good = tmp_path / "good.yaml"
    good.write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n")
    inspected = run("inspect", f"{spec}:Net" if "forward" in name else str(spec), "-f", "json")
    assert inspected.returncode in (1, 2), inspected.stdout + inspected.stderr
    assert message in json.dumps(json.loads(inspected.stdout), ensure_ascii=False)
    checked = run("check", f"{spec}:Net" if "forward" in name else str(spec), str(good))
    assert checked.returncode in (1, 2)
    assert message in checked.stdout
    assert checked.stdout.splitlines()[-1].startswith("linearcli: 2 specs checked: ")


def test_a_thread_a_spec_starts_cannot_hold_the_process(tmp_path: Path) -> None:
    spec = tmp_path / "thread.py"
    spec.write_text(
        "import threading\nimport time\n\nimport torch\nfrom torch import nn\n\n"
        "threading.Thread(target=lambda: time.sleep(3600)).start()\n"
        "model = nn.Linear(4, 2)\nexample_input = torch.zeros(2, 4)\n"
    )
    result = run("inspect", str(spec))  # the TIMEOUT_S bound is the assertion
    assert result.returncode == 0 and "1 Linear layer" in result.stdout


def test_one_file_named_four_ways_is_one_spec(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "good.yaml")
    os.chdir(tmp_path)
    try:
        result = cli("check", "good.yaml", "./good.yaml", str(tmp_path / "good.yaml"), "link.yaml")
    finally:
        os.chdir(ROOT)
    assert result.stdout == "linearcli: 1 spec checked: 0 errors, 0 warnings\n"


def test_an_unreadable_spec_in_a_directory_is_not_checked_not_skipped(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text("model:\n  fc: {Linear: [4, 2]}\n")
    real_open, real_path_open = os.open, Path.open

    def refuse(path: object, *args: object, **kwargs: object) -> object:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    def refuse_path(self: Path, *args: object, **kwargs: object) -> object:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    monkeypatch.setattr(Path, "open", refuse_path)
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{locked}: error[spec-error] cannot read the file: Permission denied",
        "linearcli: 1 spec checked: 1 error, 0 warnings, 1 not checked",
    ]


def test_a_spec_that_runs_forever_times_out_and_the_next_is_still_checked(
    cli: Cli, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text(
        ODD_BASE + "\n\ndef forward(self, x):\n    while True:\n        pass\n\n\n"
        "Net.forward = forward\n"
    )
    good = tmp_path / "good.yaml"
    good.write_text("input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n")
    checked = cli("check", f"{slow}:Net", str(good), "--timeout", "1")
    assert checked.exit_code == 2
    assert checked.stdout.splitlines() == [
        f"{slow}:Net: error[build-error] the spec ran for more than 1 s (--timeout): not checked",
        "linearcli: 2 specs checked: 1 error, 0 warnings, 1 not checked",
    ]
    inspected = cli("inspect", f"{slow}:Net", "--timeout", "0.5")
    assert (inspected.exit_code, inspected.stderr) == (
        2,
        "linearcli: error: the spec ran for more than 0.5 s (--timeout): not checked\n",
    )
