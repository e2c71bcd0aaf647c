"""The real pre-commit tool runs this checkout's hooks on a throwaway repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

GOOD = "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n"
BROKEN = "input: {shape: [4]}\nmodel:\n  fc1: {Linear: [4, 8]}\n  fc2: {Linear: [6, 2]}\n"
WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed next to this Python")
    return found


GIT = [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.invalid",
    "-c",
    "commit.gpgsign=false",
]

NET = """\
import torch
from torch import nn

from helper import hidden_size


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, hidden_size())
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


example_input = torch.zeros(2, 4)
"""
FIXED_NET = NET.replace("nn.Linear(6, 2)", "nn.Linear(hidden_size(), 2)")
HELPER = "def hidden_size() -> int:\n    return 8\n"
PYTHON_PROJECT = {
    "pyproject.toml": '[tool.linearcli]\npaths = ["models/net.py"]\n',
    "models/net.py": NET,
    "models/helper.py": HELPER,
    "models/unrelated.py": "x = 1\n",
}


def git_repo(repo: Path, files: dict[str, str]) -> Path:
    """A git repository holding ``files``, all staged."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "."], cwd=repo, check=True)
    return repo


YAML_PROJECT = {
    "specs/good.yaml": GOOD,
    "specs/broken.yaml": BROKEN,
    ".github/workflows/ci.yaml": WORKFLOW,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return git_repo(tmp_path_factory.mktemp("project"), YAML_PROJECT)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    # pre-commit's own environment installs torch: keep it to the CPU build.
    constraints = home / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORCE_COLOR", "NO_COLOR"))}
    env.update(
        PRE_COMMIT_HOME=str(home / "cache"),
        PIP_CONSTRAINT=str(constraints),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    return env


def try_repo(
    project: Path, env: dict[str, str], hook: str, *files: str
) -> subprocess.CompletedProcess[str]:
    command = [tool("pre-commit"), "try-repo", str(ROOT), hook, "--files", *files]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=1200
    )


@pytest.mark.parametrize(
    "hook",
    [
        pytest.param("linearcli-check-system", id="system"),
        pytest.param("linearcli-check", id="python", marks=pytest.mark.slow),
    ],
)
def test_hook_fails_on_the_broken_spec_and_passes_on_the_good_one(
    project: Path, environment: dict[str, str], hook: str
) -> None:
    failed = try_repo(project, environment, hook, "specs/good.yaml", "specs/broken.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert (
        "specs/broken.yaml:4: error[in-features-mismatch] fc2: fc2 (Linear 6->2) got (2, 8) "
        "from fc1 (Linear 4->8); in_features is 6"
    ) in failed.stdout
    assert "linearcli: 2 specs checked: 1 error, 0 warnings" in failed.stdout

    passed = try_repo(project, environment, hook, "specs/good.yaml", ".github/workflows/ci.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.parametrize(
    "hook",
    [
        pytest.param("linearcli-check-system", id="system"),
        pytest.param("linearcli-check", id="python", marks=pytest.mark.slow),
    ],
)
def test_hook_checks_a_configured_python_spec_when_a_module_it_imports_changed(
    tmp_path: Path, environment: dict[str, str], hook: str
) -> None:
    project = git_repo(tmp_path, PYTHON_PROJECT)
    failed = try_repo(project, environment, hook, "models/helper.py")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert (
        "models/net.py:11: error[in-features-mismatch] fc2: fc2 (Linear 6->2) got (2, 8) "
        "from fc1 (Linear 4->8); in_features is 6"
    ) in failed.stdout
    assert "linearcli: 1 spec checked: 1 error, 0 warnings" in failed.stdout

    unrelated = try_repo(project, environment, hook, "models/unrelated.py")
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr  # net.py not run
    assert "Passed" in unrelated.stdout

    (project / "models" / "net.py").write_text(FIXED_NET)
    passed = try_repo(project, environment, hook, "models/helper.py")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def readme_config(repo: str, rev: str) -> str:
    """The README's configuration for the installed linearcli, with this checkout as repo."""
    return f"""\
# .pre-commit-config.yaml
repos:
  - repo: {repo}
    rev: {rev}  # a commit: `pre-commit autoupdate` moves it to the newest
    hooks:
      - id: linearcli-check-system
"""


@pytest.fixture
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout as it is now (uncommitted work included), committed in a new repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    repo = tmp_path_factory.mktemp("linearcli-repo")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "."], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "linearcli"], cwd=repo, check=True)
    return repo


def head(repo: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_the_readme_configuration_works_at_a_commit_and_autoupdate_moves_it(
    tmp_path: Path, environment: dict[str, str], hook_repo: Path
) -> None:
    first = head(hook_repo)
    assert len(first) == 40
    config = readme_config(str(hook_repo), first)
    files = {**YAML_PROJECT, **PYTHON_PROJECT, ".pre-commit-config.yaml": config}
    project = git_repo(tmp_path, files)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [tool("pre-commit"), *args]
        return subprocess.run(
            command, cwd=project, env=environment, capture_output=True, text=True, timeout=600
        )

    failed = run("run", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "linearcli check (installed linearcli)" in failed.stdout
    assert "Failed" in failed.stdout
    assert "specs/broken.yaml:4: error[in-features-mismatch] fc2" in failed.stdout
    assert "models/net.py:11: error[in-features-mismatch] fc2" in failed.stdout
    # .pre-commit-config.yaml and the workflow are YAML too, but no specs
    assert "linearcli: 3 specs checked: 2 errors, 0 warnings" in failed.stdout

    passed = run(
        "run", "--files", "specs/good.yaml", ".github/workflows/ci.yaml", "models/unrelated.py"
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    # No tags in the repository: autoupdate takes the newest commit.
    subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", "next"], cwd=hook_repo, check=True)
    second = head(hook_repo)
    updated = run("autoupdate")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (project / ".pre-commit-config.yaml").read_text() == readme_config(
        str(hook_repo), second
    )


def test_the_hook_with_fix_rewrites_the_spec_and_the_next_commit_passes(
    tmp_path: Path, environment: dict[str, str], hook_repo: Path
) -> None:
    config = readme_config(str(hook_repo), head(hook_repo)) + "        args: [--fix]\n"
    project = git_repo(tmp_path, {**YAML_PROJECT, ".pre-commit-config.yaml": config})

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*GIT, *args], cwd=project, env=environment, capture_output=True, text=True, timeout=600
        )

    installed = subprocess.run(
        [tool("pre-commit"), "install"], cwd=project, env=environment, capture_output=True
    )
    assert installed.returncode == 0, installed.stdout
    blocked = git("commit", "-q", "-m", "first")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    output = blocked.stdout + blocked.stderr
    assert "linearcli: fixed 1 finding in 1 file" in output
    assert "files were modified by this hook" in output
    assert (project / "specs" / "broken.yaml").read_text() == BROKEN.replace("[6, 2]", "[8, 2]")
    assert git("add", "specs/broken.yaml").returncode == 0
    passed = git("commit", "-q", "-m", "second")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git("status", "--porcelain").stdout == ""
