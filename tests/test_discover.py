"""Which files a directory search finds, .gitignore and exclude patterns, reading safely."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TypeVar

import pytest

from linearcli.check import collect_specs, is_yaml_spec
from linearcli.discover import IgnoreRules, read_regular_file
from linearcli.errors import SpecError
from linearcli.spec.yaml_spec import MAX_FILE_BYTES

GOOD = "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 2]}\n"
T = TypeVar("T")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], Path]:
    """tree({"a/b.yaml": text, ...}) writes the files under tmp_path, which becomes the cwd."""
    monkeypatch.chdir(tmp_path)

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return write


class Blocked(Exception):
    """Not an OSError (TimeoutError is one): no `except OSError` in the code swallows it."""


def within(seconds: int, call: Callable[[], T]) -> T:
    """call(), failing the test instead of hanging when it blocks (a FIFO opened)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Blocked(f"still blocked after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_env_build_and_dist_are_searched_virtual_environments_and_caches_are_not(
    tree: Callable[[dict[str, str]], Path],
) -> None:
    tree(
        {
            "env/a.yaml": GOOD,
            "build/b.yaml": GOOD,
            "dist/c.yaml": GOOD,
            "venv/d.yaml": GOOD,  # no pyvenv.cfg: a directory like any other
            "myenv/pyvenv.cfg": "home = /usr/bin\n",
            "myenv/lib/e.yaml": GOOD,
            "specs/.venv/pyvenv.cfg": "home = /usr/bin\n",
            "specs/f.yaml": GOOD,
            "specs/tools/pyvenv.cfg": "home = /usr/bin\n",  # a venv, whatever its name
            "specs/tools/g.yaml": GOOD,
            ".hidden/h.yaml": GOOD,
            "__pycache__/i.yaml": GOOD,
            "node_modules/j.yaml": GOOD,
            "lib/site-packages/k.yaml": GOOD,
        }
    )
    assert collect_specs(["."]) == [
        "./build/b.yaml",
        "./dist/c.yaml",
        "./env/a.yaml",
        "./specs/f.yaml",
        "./venv/d.yaml",
    ]
    # named explicitly, a directory is searched whatever its name
    assert collect_specs(["myenv", ".hidden"]) == ["myenv/lib/e.yaml", ".hidden/h.yaml"]


def test_gitignore_root_and_nested_with_negation_in_searches_not_for_named_files(
    tree: Callable[[dict[str, str]], Path],
) -> None:
    tree(
        {
            ".gitignore": "generated/\n*.tmp.yaml\n",
            "a.yaml": GOOD,
            "a.tmp.yaml": GOOD,
            "generated/b.yaml": GOOD,
            "specs/.gitignore": "*.yaml\n!keep.yaml\n",
            "specs/keep.yaml": GOOD,
            "specs/drop.yaml": GOOD,
            "specs/deep/keep.yaml": GOOD,
            "specs/deep/drop.yaml": GOOD,
            "specs/deep/.gitignore": "!drop.yaml\n",  # deeper file wins
            "other/c.yaml": GOOD,
        }
    )
    assert collect_specs(["."]) == [
        "./a.yaml",
        "./other/c.yaml",
        "./specs/keep.yaml",
        "./specs/deep/drop.yaml",
        "./specs/deep/keep.yaml",
    ]
    assert collect_specs(["a.tmp.yaml", "specs/drop.yaml", "generated/b.yaml"]) == [
        "a.tmp.yaml",
        "specs/drop.yaml",
        "generated/b.yaml",
    ]


def test_gitignore_of_parent_directories_up_to_the_repository_top(
    tree: Callable[[dict[str, str]], Path],
) -> None:
    root = tree(
        {
            ".gitignore": "*.tmp.yaml\nout/\n",
            "project/specs/a.yaml": GOOD,
            "project/specs/b.tmp.yaml": GOOD,
            "project/out/c.yaml": GOOD,
        }
    )
    # Not in a git repository: a parent's .gitignore does not apply (as for git).
    assert collect_specs(["project/specs"]) == ["project/specs/a.yaml", "project/specs/b.tmp.yaml"]
    (root / ".git").mkdir()
    assert collect_specs(["project/specs"]) == ["project/specs/a.yaml"]
    assert collect_specs(["project"]) == ["project/specs/a.yaml"]
    # a directory named explicitly is searched even though .gitignore ignores it
    assert collect_specs(["project/out"]) == ["project/out/c.yaml"]
    # a nested repository (a .git of its own) stops the walk up
    (root / "project" / ".git").mkdir()
    assert collect_specs(["project/specs"]) == ["project/specs/a.yaml", "project/specs/b.tmp.yaml"]


def test_exclude_patterns_apply_to_searches_and_named_files(
    tree: Callable[[dict[str, str]], Path],
) -> None:
    root = tree(
        {
            "specs/a.yaml": GOOD,
            "specs/draft/b.yaml": GOOD,
            "specs/draft/keep.yaml": GOOD,
            "specs/c.wip.yaml": GOOD,
            "models/net.py": "x = 1\n",
            "sub/d.yaml": GOOD,
        }
    )
    exclude = ["draft/", "*.wip.yaml", "models/net.py", "!keep.yaml"]
    assert collect_specs(["."], exclude=exclude) == ["./specs/a.yaml", "./sub/d.yaml"]
    named = ["specs/draft/keep.yaml", "specs/c.wip.yaml", "models/net.py:Net", "specs/a.yaml"]
    assert collect_specs(named, exclude=exclude) == ["specs/a.yaml"]
    assert collect_specs(["specs/draft"], exclude=exclude) == []
    # config patterns are relative to the pyproject's directory, flag ones to the cwd
    os.chdir(root / "sub")
    assert collect_specs([".", "../specs"], config_exclude=["/sub/"], project_root=root) == [
        "../specs/a.yaml",
        "../specs/c.wip.yaml",
        "../specs/draft/b.yaml",
        "../specs/draft/keep.yaml",
    ]
    assert collect_specs(["../specs"], exclude=["/specs/"]) == [  # /specs/ is below sub/
        "../specs/a.yaml",
        "../specs/c.wip.yaml",
        "../specs/draft/b.yaml",
        "../specs/draft/keep.yaml",
    ]
    assert collect_specs(["."], exclude=["d.yaml"]) == []


def test_an_invalid_exclude_pattern_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"invalid pattern in --exclude: .*'!'"):
        collect_specs([str(tmp_path)], exclude=["!"])


def test_an_invalid_gitignore_line_is_skipped(tree: Callable[[dict[str, str]], Path]) -> None:
    tree({".gitignore": "!\nb.yaml\n", "a.yaml": GOOD, "b.yaml": GOOD})
    assert collect_specs(["."]) == ["./a.yaml"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_yaml_is_not_opened_as_a_spec(tree: Callable[[dict[str, str]], Path]) -> None:
    root = tree({"specs/a.yaml": GOOD})
    os.mkfifo(root / "specs" / "x.yaml")
    # found without being opened, so that check says "not a regular file" rather than pass
    assert within(5, lambda: collect_specs(["specs"])) == ["specs/a.yaml", "specs/x.yaml"]
    assert within(5, lambda: is_yaml_spec(root / "specs" / "x.yaml")) is True
    assert within(5, lambda: collect_specs(["specs/x.yaml"])) == ["specs/x.yaml"]


def test_a_link_to_dev_zero_is_not_read(tree: Callable[[dict[str, str]], Path]) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    root = tree({"specs/a.yaml": GOOD})
    (root / "specs" / "z.yaml").symlink_to("/dev/zero")
    assert read_regular_file(root / "specs" / "z.yaml", 10) is None
    # In a child with 2 GiB of address space: reading /dev/zero whole would never end.
    code = "from linearcli.check import collect_specs; print(collect_specs(['specs']))"
    limit = resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30)
    found = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: resource.setrlimit(*limit),
    )
    expected = "['specs/a.yaml', 'specs/z.yaml']\n"  # z.yaml: for check to say it is no file
    assert (found.returncode, found.stdout) == (0, expected), found.stderr


def test_reading_stops_past_the_spec_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"model:\n  fc: {Linear: [4, 2]}\n" + b"# padding\n" * (MAX_FILE_BYTES // 10))
    assert len(read_regular_file(big, MAX_FILE_BYTES + 1) or b"") == MAX_FILE_BYTES + 1
    assert is_yaml_spec(big) is True  # check then says the file is too large
    other = tmp_path / "other.yaml"
    other.write_bytes(b"on: push\n" + b"# padding\n" * (MAX_FILE_BYTES // 10))
    assert is_yaml_spec(other) is False


@pytest.mark.parametrize(
    ("path", "is_dir", "verdict"),
    [
        pytest.param("out/x.yaml", False, True, id="inside-an-ignored-dir"),
        pytest.param("out", True, True, id="the-dir"),
        pytest.param("out", False, None, id="a-file-named-like-the-dir"),
        pytest.param("keep.yaml", False, False, id="negated"),
        pytest.param("a/b.tmp", False, True, id="unanchored"),
        pytest.param("a/top.yaml", False, None, id="anchored-elsewhere"),
        pytest.param("top.yaml", False, True, id="anchored"),
        pytest.param("../x.tmp", False, None, id="outside-the-base"),
    ],
)
def test_ignore_rules_verdicts(tmp_path: Path, path: str, is_dir: bool, verdict: bool) -> None:
    patterns = ["out/", "*.tmp", "/top.yaml", "keep*", "!keep.yaml"]
    rules = IgnoreRules.of(tmp_path, patterns, source="test")
    assert rules.verdict(str(tmp_path / path), is_dir) is verdict
