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


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("project")
    for name, text in {
        "specs/good.yaml": GOOD,
        "specs/broken.yaml": BROKEN,
        ".github/workflows/ci.yaml": WORKFLOW,
    }.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    return repo


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
