"""The ``linearcli`` command: a thin shell around :mod:`linearcli.pipeline`.

torch is never imported at module level here: ``--help``, ``--version`` and spec
errors stay fast. Exit codes are chosen in one place, :func:`_exit_codes`.
"""

from __future__ import annotations

import gc
import json
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from linearcli import __version__, output
from linearcli.config import load_config
from linearcli.errors import LinearcliError, SpecError
from linearcli.lines import one_line
from linearcli.options import RunOptions
from linearcli.params import (
    AllowImportsOption,
    ArgOption,
    BatchSizeOption,
    CheckFormat,
    DebugOption,
    DeviceOption,
    DTypeOption,
    ExplainFormat,
    InputShapeOption,
    MaxMemoryOption,
    OutputFormat,
    SeedOption,
    StrictOption,
    export_option,
    parse_count,
    parse_seed,
)
from linearcli.report import SCHEMA_VERSION, Report, SpecFailure

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
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
err_console = Console(stderr=True, highlight=False)
# Click's exceptions, from wherever this Typer takes Click (Typer 0.28 vendors its own).
_click_errors: Any = sys.modules[typer.BadParameter.__module__]
INSPECT_HELP = (
    "Build the model, run one sample batch and show every nn.Linear.\n\n"
    "A Python spec's model is the one named by FILE.py:NAME; else a module-level nn.Module "
    "called `model`; else a function called `build_model`; else the only nn.Module subclass "
    "the file defines. Its sample batch is --input-shape, else the file's `example_input` "
    "(a tensor, a tuple of tensors, or a function returning one)."
)


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


@app.command(help=INSPECT_HELP)
def inspect(
    spec: Annotated[
        str,
        typer.Argument(
            metavar="SPEC",
            help="model.yaml, model.py, model.py:NAME or package.module:NAME.",
            show_default=False,
        ),
    ],
    input_shape: InputShapeOption = None,
    batch_size: BatchSizeOption = None,
    device: DeviceOption = None,
    dtype: DTypeOption = None,
    seed: SeedOption = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="table, json or markdown."),
    ] = OutputFormat.table,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            metavar="N",
            parser=parse_count,
            help="Show layers N name levels deep at most; deeper ones are summed into their "
            "ancestor's row (like torchinfo's depth). Table and Markdown only.",
            show_default=False,
        ),
    ] = None,
    expand: Annotated[
        bool,
        typer.Option(
            "--expand",
            help="Show every layer of repeated identical blocks instead of one folded group.",
        ),
    ] = False,
    strict: StrictOption = None,
    arg: ArgOption = None,
    allow_imports: AllowImportsOption = None,
    max_memory: MaxMemoryOption = None,
    export_svg: Annotated[Path | None, export_option("SVG")] = None,
    export_html: Annotated[Path | None, export_option("HTML")] = None,
    debug: DebugOption = False,
) -> None:
    json_output = output_format is OutputFormat.json
    with _exit_codes(debug=debug, json_errors=json_output):
        exports = [
            (path, kind) for path, kind in ((export_svg, "svg"), (export_html, "html")) if path
        ]
        for path, _ in exports:
            output.refuse_to_overwrite_the_spec(path, spec)
        config = load_config()
        options = config.run_options(
            spec,
            device=device,
            dtype=dtype.value if dtype else None,
            seed=seed,
            batch_size=batch_size,
            input_shapes=tuple(input_shape or ()),
            model_args=dict(arg or ()),
            allow_imports=allow_imports,
            max_memory=max_memory,
        )
        from linearcli.pipeline import inspect_spec
        from linearcli.render import render_json, render_markdown, render_table

        with output.progress(err_console, f"inspecting {spec}"):
            report = inspect_spec(spec, options)
        _say_notes(spec, report, debug=debug)
        if json_output:
            sys.stdout.write(render_json(report) + "\n")
        elif output_format is OutputFormat.markdown:
            sys.stdout.write(render_markdown(report, depth=depth, expand=expand))
        else:
            output.print_renderable(render_table(report, depth=depth, expand=expand))
        for path, kind in exports:
            table = render_table(report, depth=depth, expand=expand)
            output.export(table, path, kind, title=f"linearcli inspect {spec}")
    failed = report.failed(strict=config.is_strict(strict))
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH...",
            help="Spec files and directories. A directory is searched for YAML specs (YAML "
            "files with a top-level model: key); Python specs run only when named here or "
            "in \\[tool.linearcli] paths. Default: the configured paths, else the current "
            "directory.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="text, github or json."),
    ] = CheckFormat.text,
    batch_size: BatchSizeOption = None,
    device: DeviceOption = None,
    dtype: DTypeOption = None,
    seed: SeedOption = None,
    strict: StrictOption = None,
    allow_imports: AllowImportsOption = None,
    max_memory: MaxMemoryOption = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="PATTERN",
            help="Skip what this gitignore-style pattern matches (drafts/, *.wip.yaml), named "
            "files too. Repeatable; added to \\[tool.linearcli] exclude.",
            show_default=False,
        ),
    ] = None,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="The PATHs are files that changed (as pre-commit passes them): check the YAML "
            "specs among them and each Python spec in \\[tool.linearcli] paths that is one of "
            "them or imports one of them.",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check many specs in one run, linter style: one line per finding, then a summary."""
    with _exit_codes(debug=debug, json_errors=output_format is CheckFormat.json):
        config = load_config()
        from linearcli.check import check_specs, collect_specs
        from linearcli.lines import render_check_github, render_check_json, render_check_text

        specs = collect_specs(
            paths or config.paths or ["."],
            exclude=exclude or (),
            config_exclude=config.exclude,
            changed=changed,
            configured=config.paths,
            project_root=config.root,
        )

        def options_for(reference: str) -> RunOptions:
            return config.run_options(
                reference,
                device=device,
                dtype=dtype.value if dtype else None,
                seed=seed,
                batch_size=batch_size,
                allow_imports=allow_imports,
                max_memory=max_memory,
            )

        with output.progress(
            err_console, f"checking {len(specs)} spec{'' if len(specs) == 1 else 's'}"
        ):
            result = check_specs(specs, options_for, strict=config.is_strict(strict))
        for file in result.files:
            if file.report is not None:
                _say_notes(file.spec, file.report, debug=debug)
        render = {
            CheckFormat.text: render_check_text,
            CheckFormat.github: render_check_github,
            CheckFormat.json: render_check_json,
        }[output_format]
        sys.stdout.write(render(result))
    raise typer.Exit(result.exit_code)


@app.command()
def explain(
    in_features: Annotated[
        int,
        typer.Argument(metavar="IN", parser=parse_count, help="in_features.", show_default=False),
    ],
    out_features: Annotated[
        int,
        typer.Argument(metavar="OUT", parser=parse_count, help="out_features.", show_default=False),
    ],
    batch: Annotated[
        int,
        typer.Option(
            "--batch", metavar="N", parser=parse_count, help="Samples in the random input."
        ),
    ] = 2,
    input_json: Annotated[
        str | None,
        typer.Option(
            "--input",
            metavar="JSON",
            help="The input as a JSON nested list whose last axis is IN, e.g. "
            "'[[1.0, -1.0], [0.0, 1.0]]'. Default: a random batch.",
            show_default=False,
        ),
    ] = None,
    no_bias: Annotated[
        bool, typer.Option("--no-bias", help="nn.Linear(IN, OUT, bias=False).")
    ] = False,
    seed: Annotated[
        int, typer.Option(metavar="N", parser=parse_seed, help="Random seed for W, b and x.")
    ] = 0,
    output_format: Annotated[
        ExplainFormat, typer.Option("--format", "-f", metavar="FORMAT", help="table or json.")
    ] = ExplainFormat.table,
    debug: DebugOption = False,
) -> None:
    """Build one nn.Linear(IN, OUT) and work through y = x Wᵀ + b for it, with numbers."""
    with _exit_codes(debug=debug, json_errors=output_format is ExplainFormat.json):
        values = None
        if input_json is not None:
            try:
                values = json.loads(input_json)
            except json.JSONDecodeError as exc:
                raise SpecError(f"--input is not JSON: {exc}") from None
        from linearcli.explain import explain as explain_linear
        from linearcli.render_explain import render_explanation, render_explanation_json

        explained = explain_linear(
            in_features, out_features, batch=batch, input_values=values, bias=not no_bias, seed=seed
        )
        if output_format is ExplainFormat.json:
            sys.stdout.write(render_explanation_json(explained))
        else:
            Console().print(render_explanation(explained))


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the YAML spec format, for editors."""
    from linearcli.spec.schema import SPEC_SCHEMA

    sys.stdout.write(json.dumps(SPEC_SCHEMA, indent=2) + "\n")


def _say_notes(spec: str, report: Report, *, debug: bool) -> None:
    """On stderr: a meta fallback in one line; with --debug, the forward pass's traceback."""
    for diagnostic in report.diagnostics:
        if diagnostic.code == "meta-fallback":
            err_console.print(f"{spec}: note: {diagnostic.message}", markup=False, soft_wrap=True)
        if debug and diagnostic.traceback:
            sys.stderr.write(diagnostic.traceback)


@contextmanager
def _exit_codes(*, debug: bool, json_errors: bool) -> Iterator[None]:
    """The one place that turns an outcome into an exit code."""
    try:
        yield
    except LinearcliError as exc:
        if debug:
            cause = exc.__context__ or exc
            traceback.print_exception(cause, file=sys.stderr)
        err_console.print(
            f"{exc.location or 'linearcli'}: error: {exc.message}", markup=False, soft_wrap=True
        )
        if json_errors:
            error = SpecFailure.of(exc).to_dict()
            payload = {"schema_version": SCHEMA_VERSION, "ok": False, "error": error}
            sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        raise typer.Exit(EXIT_NOT_CHECKED) from None
    except KeyboardInterrupt:
        err_console.print("linearcli: interrupted", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception:
        traceback.print_exc(file=sys.stderr)
        err_console.print(BUG_REPORT_LINE, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BUG) from None


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
        err_console.print(
            f"{where}: error: {one_line(exc.format_message())}{hint}", markup=False, soft_wrap=True
        )
        return EXIT_NOT_CHECKED
    except _click_errors.ClickException as exc:
        err_console.print(f"linearcli: error: {one_line(exc.format_message())}", markup=False)
        return int(exc.exit_code)
    except (typer.Abort, getattr(_click_errors, "Abort", typer.Abort)):
        err_console.print("linearcli: interrupted", markup=False, soft_wrap=True)
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
    sys.exit(code)
