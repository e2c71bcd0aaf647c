"""Every option of every command, fed values a user could type: never an internal error.

The options are read from the CLI itself, so an option added later is driven too.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linearcli.cli import app

from .conftest import Result

Cli = Callable[..., Result]
COMMAND = typer.main.get_command(app)
# What each command needs besides the option under test, and a small, fast target.
REQUIRED = {
    "inspect": ["specs/mlp.yaml"],
    "check": ["specs/mlp.yaml"],
    "explain": ["3", "2"],
    "schema": [],
}
# Keeps a valid but huge value (a batch of 10^9) on the meta device, never in memory.
SMALL_BUDGET = {"inspect": ["--max-memory", "64MB"], "check": ["--max-memory", "64MB"]}


def _value_options() -> list[tuple[str, str]]:
    found = []
    for name, command in sorted(COMMAND.commands.items()):  # type: ignore[attr-defined]
        for param in command.params:
            takes_value = param.param_type_name == "option" and not param.is_flag
            if takes_value and param.opts[0] not in ("--install-completion",):
                found.append((name, param.opts[0]))
    return found


OPTIONS = _value_options()
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e400",
        "inf",
        "nan",
        "-0",
        str(2**63),
        str(2**70),
        "9" * 40,
        "3,0",
        "3x",
        ",,",
        "1,2,3,4,5,6,7,8,9,10",
        "\x00",
        "\x1b[2J",
        "cuda:99999999999999999999",
        "cpu:-1",
        "meta",
        "a=b=c",
        "=1",
        "x=[",
        "8GiB",
        "0.5B",
        "../../..",
        "-",
    ]
)
TEXT = st.text(alphabet=string.printable + "é→", max_size=12)


def test_the_options_are_all_found() -> None:
    assert ("inspect", "--max-memory") in OPTIONS
    assert ("check", "--max-memory") in OPTIONS
    assert ("explain", "--batch") in OPTIONS
    assert len(OPTIONS) >= 20


@pytest.mark.parametrize(("command", "option"), OPTIONS, ids=[f"{c}{o}" for c, o in OPTIONS])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(value=st.one_of(TRICKY, TEXT))
def test_no_value_of_any_option_is_an_internal_error(
    cli: Cli, tmp_path: Path, in_repo: Path, command: str, option: str, value: str
) -> None:
    budget = SMALL_BUDGET.get(command, []) if option != "--max-memory" else ["--device", "meta"]
    if option.startswith("--export-"):
        value = str(tmp_path / value.replace("/", "_").replace("\x00", "\\0")) if value else ""
    result = cli(command, *REQUIRED[command], *budget, option, value)
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 2 and result.stderr:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    elif result.exit_code == 2:  # check: the spec it could not check, on its own line
        assert command == "check" and "not checked" in result.stdout.splitlines()[-1]
