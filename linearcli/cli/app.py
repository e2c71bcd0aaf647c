"""The Typer app, its entry points and the one place that turns outcomes into exit codes.

The commands live beside this module, one each; they register on :data:`app`.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from linearcli import __version__, output
from linearcli.check_result import SpecFailure
from linearcli.errors import LinearcliError
from linearcli.escape import one_line
from linearcli.guard import SpecTimedOut, exit_message
from linearcli.report import SCHEMA_VERSION, Report

EXIT_OK, EXIT_FINDINGS, EXIT_NOT_CHECKED, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
BUG_REPORT_LINE = (
    "linearcli: internal error (exit 3). This is a bug in linearcli, not in your model: "
    "please report it with the traceback above and the spec that triggered it."
)

app = typer.Typer(
    name="linearcli",
    help=(
        "Inspect every nn.Linear in a PyTorch model: weight and bias shapes, parameter "
        "counts, init bounds and the shapes that flow through each layer."
    ),
    epilog=(
        "Exit codes: 0 checked, no errors; 1 error findings (or warnings with --strict); "
        "2 the spec could not be checked; 3 internal error; 130 interrupted."
    ),
    add_completion=True,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
err_console = Console(stderr=True, highlight=False)


def say(line: str) -> None:
    """One line on stderr, whatever a spec put in it (escape.one_line)."""
    err_console.print(one_line(line), markup=False, soft_wrap=True)


# Click's exceptions, from wherever this Typer takes Click (Typer 0.28 vendors its own).
_click_errors: Any = sys.modules[typer.BadParameter.__module__]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"linearcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Inspect every nn.Linear in a PyTorch model."""


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the YAML spec format, for editors."""
    from linearcli.spec.schema import SPEC_SCHEMA

    sys.stdout.write(json.dumps(SPEC_SCHEMA, indent=2) + "\n")


def say_notes(spec: str, report: Report, *, debug: bool) -> None:
    """On stderr: a meta fallback in one line; with --debug, the forward pass's traceback."""
    for diagnostic in report.diagnostics:
        if diagnostic.code == "meta-fallback":
            say(f"{spec}: note: {diagnostic.message}")
        if debug and diagnostic.traceback:
            sys.stderr.write(diagnostic.traceback)


@contextmanager
def exit_codes(*, debug: bool, json_errors: bool) -> Iterator[None]:
    """The one place that turns an outcome into an exit code."""
    try:
        yield
    except LinearcliError as exc:
        if debug:
            cause = exc.__context__ or exc
            traceback.print_exception(cause, file=sys.stderr)
        say(f"{exc.location or 'linearcli'}: error: {exc.message}")
        if json_errors:
            error = SpecFailure.of(exc).to_dict()
            payload = {"schema_version": SCHEMA_VERSION, "ok": False, "error": error}
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        raise typer.Exit(EXIT_NOT_CHECKED) from None
    except KeyboardInterrupt:
        say("linearcli: interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except _click_errors.ClickException:
        raise  # a usage error found late: run() says it in one line, exit 2
    except SpecTimedOut as exc:
        say(f"linearcli: error: {exc}")
        raise typer.Exit(EXIT_NOT_CHECKED) from None
    except SystemExit as exc:  # a spec's own sys.exit()/os._exit(): it was not checked
        message = f"linearcli: error: the spec called {exit_message(exc)}: not checked"
        say(message)
        raise typer.Exit(EXIT_NOT_CHECKED) from None
    except Exception:
        traceback.print_exc(file=sys.stderr)
        say(BUG_REPORT_LINE)
        raise typer.Exit(EXIT_BUG) from None


def exit_code(code: int, *, exit_zero: bool) -> int:
    """--exit-zero turns findings into 0; a spec that could not be checked stays 2."""
    return EXIT_OK if exit_zero and code == EXIT_FINDINGS else code


def run(argv: Sequence[str] | None = None) -> int:
    """Run linearcli with these arguments (default: the command line); return the exit code.

    A usage error (an unknown option, a bad value) is one line on stderr and exit 2, like
    every other "could not check"; Click's own handling would print a boxed usage page.
    """
    command = typer.main.get_command(app)
    try:
        code = command.main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name="linearcli",
            standalone_mode=False,
        )
    except _click_errors.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `linearcli` alone: Typer showed help
            return EXIT_NOT_CHECKED
        where = exc.ctx.command_path if exc.ctx is not None else "linearcli"
        hint = f" (see {where} --help)"
        say(f"{where}: error: {exc.format_message()}{hint}")
        return EXIT_NOT_CHECKED
    except _click_errors.ClickException as exc:
        say(f"linearcli: error: {exc.format_message()}")
        return int(exc.exit_code)
    except SystemExit as exc:  # --show-completion and --install-completion end this way
        return exc.code if isinstance(exc.code, int) else EXIT_OK if exc.code is None else 1
    except (typer.Abort, getattr(_click_errors, "Abort", typer.Abort)):
        say("linearcli: interrupted")
        return EXIT_INTERRUPTED
    return code if isinstance(code, int) else EXIT_OK


def main() -> None:
    # One short process: the cyclic garbage collector's full passes over the objects
    # torch creates on import cost about 0.3 s a run, and reference counting frees what
    # linearcli makes (check.py collects between specs). Frozen at exit, those objects
    # are skipped by the interpreter's last pass too.
    gc.disable()
    # A terminal or pipe that is not UTF-8 (LANG=C on an old system, a Windows code
    # page) gets ASCII instead of a UnicodeEncodeError.
    sys.stdout = output.safe_stream(sys.stdout)
    sys.stderr = output.safe_stream(sys.stderr)
    try:
        code = run()
    finally:
        gc.freeze()
    # os._exit, not sys.exit: a thread a spec started (not a daemon) cannot hold the
    # process open once linearcli has said what it found.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
