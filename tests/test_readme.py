"""Every console block in README.md and docs/findings.md is a command and what it prints,
checked by running it.

A block is ```console, its first line ``$ linearcli ...``, the rest what the command
prints at 80 columns (stderr, then stdout; ``> FILE`` sends stdout away). A line ``...``
stands for any number of lines. ``pytest --update-golden`` rewrites the blocks that have
no ``...`` from the real output; the others are fixed by hand from the failure message.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT, Result

Cli = Callable[..., Result]
README = ROOT / "README.md"
FINDINGS = ROOT / "docs" / "findings.md"  # a worked example per finding code
_BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class ConsoleBlock:
    command: str
    expected: str  # what the README shows the command printing
    start: int  # offsets of the shown output in README.md
    end: int

    def matches(self, actual: str) -> bool:
        pattern = "".join(
            r"(?:.*\n)*?" if line == "..." else re.escape(line) + "\n"
            for line in self.expected.splitlines()
        )
        return re.fullmatch(pattern, actual) is not None


def console_blocks(text: str) -> list[ConsoleBlock]:
    blocks = []
    for match in _BLOCK.finditer(text):
        first, _, rest = match.group(1).partition("\n")
        assert first.startswith("$ linearcli "), f"a console block starts with $ linearcli: {first}"
        start = match.start(1) + len(first) + 1
        blocks.append(ConsoleBlock(first[2:], rest, start, match.end(1)))
    return blocks


BLOCKS = [
    (doc, block) for doc in (README, FINDINGS) for block in console_blocks(doc.read_text("utf-8"))
]


def test_the_readme_has_its_console_blocks() -> None:
    commands = [block.command for doc, block in BLOCKS if doc == README]
    assert "linearcli inspect specs/mlp.yaml" in commands
    assert any(command.startswith("linearcli check") for command in commands)
    assert len(commands) >= 5


def _printed(cli: Cli, command: str, tmp_path: Path) -> str:
    words = shlex.split(command)[1:]
    redirected = ">" in words
    if redirected:
        words = words[: words.index(">")]
    result = cli(*words)
    return result.stderr + ("" if redirected else result.stdout)


@pytest.mark.parametrize(
    ("doc", "block"), BLOCKS, ids=[f"{doc.name}: {block.command}" for doc, block in BLOCKS]
)
def test_console_block(
    cli: Cli,
    doc: Path,
    block: ConsoleBlock,
    in_repo: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    actual = _printed(cli, block.command, tmp_path)
    if block.matches(actual):
        return
    if request.config.getoption("--update-golden") and "\n...\n" not in f"\n{block.expected}":
        text = doc.read_text(encoding="utf-8")
        current = next(b for b in console_blocks(text) if b.command == block.command)
        doc.write_text(text[: current.start] + actual + text[current.end :], encoding="utf-8")
        return
    pytest.fail(f"{doc.name}'s block for `{block.command}` is out of date; it prints:\n{actual}")


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("a\nb\n", "a\nb\n", True),
        ("a\nb\n", "a\nc\n", False),
        ("a\n...\nz\n", "a\nb\nc\nz\n", True),
        ("a\n...\nz\n", "a\nz\n", True),
        ("a\n...\nz\n", "b\nz\n", False),
        ("...\nz\n", "x\ny\nz\n", True),
        ("a (1)\n", "a (1)\n", True),
    ],
)
def test_ellipsis_matching(expected: str, actual: str, matches: bool) -> None:
    assert ConsoleBlock("linearcli x", expected, 0, 0).matches(actual) is matches


def test_the_mermaid_picture_is_what_linearcli_draws(in_repo: Path) -> None:
    from linearcli import inspect_spec
    from linearcli.render.flow import mermaid_block

    text = README.read_text(encoding="utf-8")
    marker = "<!-- linearcli inspect specs/broken/three_mismatches.yaml -f markdown"
    start = text.index("```mermaid", text.index(marker))
    shown = text[start : text.index("```\n", start + 3) + 4]
    assert shown == mermaid_block(inspect_spec("specs/broken/three_mismatches.yaml"))
    assert "class n2,n3,n4 error" in shown  # the three failing layers, in red
