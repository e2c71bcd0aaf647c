"""The ``linearcli`` command: a thin shell around :mod:`linearcli.pipeline`.

torch is never imported at module level here: ``--help``, ``--version`` and spec
errors stay fast. Exit codes are chosen in one place, :func:`_exit_codes`.
"""

from __future__ import annotations

import gc
import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from linearcli import __version__, output
from linearcli.config import load_config
from linearcli.errors import LinearcliError, SpecError
from linearcli.options import DEVICE_CHOICES, RunOptions, parse_size
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
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
err_console = Console(stderr=True, highlight=False)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class CheckFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"


class ExplainFormat(StrEnum):
    table = "table"
    json = "json"


class DType(StrEnum):
    float32 = "float32"
    float64 = "float64"
    float16 = "float16"
    bfloat16 = "bfloat16"


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


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a shape such as 784 or 3,32,32") from None
    if not shape or any(size <= 0 for size in shape):
        raise typer.BadParameter(f"{text!r}: a shape is one or more positive integers")
    return shape


def _parse_arg(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise typer.BadParameter(f"{text!r} is not KEY=VALUE (e.g. --arg hidden=128)")
    try:
        return key, yaml.safe_load(value)
    except yaml.YAMLError:
        raise typer.BadParameter(f"{text!r}: VALUE is not a YAML value") from None


DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        "-d",
        metavar="DEVICE",
        help=f"Where to build and run: {DEVICE_CHOICES}. Default: cpu.",
        show_default=False,
    ),
]
DTypeOption = Annotated[
    DType | None,
    typer.Option(
        metavar="DTYPE",
        help="float32, float64, float16 or bfloat16: parameters and float inputs. "
        "Default: float32 for YAML specs, the model's own for Python specs.",
        show_default=False,
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="Random seed: the same seed gives the same weights. Default: 0.",
        show_default=False,
    ),
]
BatchSizeOption = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        "-b",
        min=1,
        metavar="N",
        help="Samples in the batch. Default: the spec's batch_size, else 2.",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool | None,
    typer.Option("--strict/--no-strict", help="Warnings fail too (exit 1).", show_default=False),
]
AllowImportsOption = Annotated[
    bool | None,
    typer.Option(
        "--allow-imports/--no-allow-imports",
        help="Let YAML specs name layer types outside torch.nn (mypkg.blocks.Block): "
        "importing them runs their code.",
        show_default=False,
    ),
]
MaxMemoryOption = Annotated[
    str | None,
    typer.Option(
        "--max-memory",
        metavar="SIZE",
        help="Memory the model and its sample batch may take (8GB, 512MiB). Over it, the "
        "model is inspected on the meta device instead. Default: half of what is available.",
        show_default=False,
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks, including the forward pass's own.")
]


@app.command()
def inspect(
    spec: Annotated[
        str,
        typer.Argument(
            metavar="SPEC",
            help="model.yaml, model.py, model.py:NAME or package.module:NAME.",
            show_default=False,
        ),
    ],
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            "--input-shape",
            "-i",
            metavar="SHAPE",
            help="Shape of one sample, batch axis excluded (3,32,32). Repeat for several inputs. "
            "Overrides the spec's input.",
            show_default=False,
        ),
    ] = None,
    batch_size: BatchSizeOption = None,
    device: DeviceOption = None,
    dtype: DTypeOption = None,
    seed: SeedOption = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="table, json or markdown."),
    ] = OutputFormat.table,
    strict: StrictOption = None,
    arg: Annotated[
        list[str] | None,
        typer.Option(
            "--arg",
            metavar="KEY=VALUE",
            help="Keyword argument for a Python spec's class or factory; VALUE is read as "
            "YAML (128, 0.5, true, relu). Repeatable.",
            show_default=False,
        ),
    ] = None,
    allow_imports: AllowImportsOption = None,
    max_memory: MaxMemoryOption = None,
    export_svg: Annotated[
        Path | None,
        typer.Option(
            "--export-svg",
            metavar="PATH",
            help="Also write the table as an SVG image (not when the spec cannot be checked).",
            show_default=False,
        ),
    ] = None,
    export_html: Annotated[
        Path | None,
        typer.Option(
            "--export-html",
            metavar="PATH",
            help="Also write the table as an HTML page (not when the spec cannot be checked).",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Build the model, run one sample batch and show every nn.Linear."""
    input_shapes = tuple(_parse_shape(s) for s in input_shape or ())
    model_args = dict(_parse_arg(a) for a in arg or ())
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
            input_shapes=input_shapes,
            model_args=model_args,
            allow_imports=allow_imports,
            max_memory=_size(max_memory),
        )
        from linearcli.pipeline import inspect_spec
        from linearcli.render import render_json, render_markdown, render_table

        with output.progress(err_console, f"inspecting {spec}"):
            report = inspect_spec(spec, options)
        _say_notes(spec, report, debug=debug)
        if json_output:
            sys.stdout.write(render_json(report) + "\n")
        elif output_format is OutputFormat.markdown:
            sys.stdout.write(render_markdown(report))
        else:
            Console().print(render_table(report))
        for path, kind in exports:
            output.export(render_table(report), path, kind, title=f"linearcli inspect {spec}")
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
            "in [tool.linearcli] paths. Default: the configured paths, else the current "
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
    debug: DebugOption = False,
) -> None:
    """Check many specs in one run, linter style: one line per finding, then a summary."""
    with _exit_codes(debug=debug, json_errors=output_format is CheckFormat.json):
        config = load_config()
        from linearcli.check import check_specs, collect_specs
        from linearcli.lines import render_check_github, render_check_json, render_check_text

        specs = collect_specs(paths or config.paths or ["."])

        def options_for(reference: str) -> RunOptions:
            return config.run_options(
                reference,
                device=device,
                dtype=dtype.value if dtype else None,
                seed=seed,
                batch_size=batch_size,
                allow_imports=allow_imports,
                max_memory=budget,
            )

        budget = _size(max_memory)
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
        int, typer.Argument(metavar="IN", min=1, help="in_features.", show_default=False)
    ],
    out_features: Annotated[
        int, typer.Argument(metavar="OUT", min=1, help="out_features.", show_default=False)
    ],
    batch: Annotated[
        int, typer.Option("--batch", min=1, metavar="N", help="Samples in the random input.")
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
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed for W, b and x.")] = 0,
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


def _size(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_size(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--max-memory'") from None


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
        app(prog_name="linearcli")
    finally:
        gc.freeze()
