"""``linearcli inspect SPEC``: one spec, its table (or JSON, Markdown) and exports."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from linearcli import output
from linearcli.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    app,
    err_console,
    exit_code,
    exit_codes,
    say_notes,
)
from linearcli.config import load_config
from linearcli.guard import no_process_exit, time_limit
from linearcli.params import (
    AllowImportsOption,
    ArgOption,
    BatchSizeOption,
    ColorMode,
    ColorOption,
    DebugOption,
    DeviceOption,
    DTypeOption,
    ExitZeroOption,
    ExtendSelectOption,
    IgnoreOption,
    InputShapeOption,
    MaxMemoryOption,
    ModeOption,
    OutputFormat,
    SeedOption,
    SelectOption,
    StrictOption,
    TimeoutOption,
    export_option,
    format_option,
    parse_count,
)

INSPECT_HELP = (
    "Build the model, run one sample batch and show every nn.Linear.\n\n"
    "A Python spec's model is the one named by FILE.py:NAME; else a module-level nn.Module "
    "called `model`; else a function called `build_model`; else the only nn.Module subclass "
    "the file defines. Its sample batch is --input-shape, else the file's `example_input` "
    "(a tensor, a tuple of tensors, a dict of keyword inputs such as input_ids=, or a "
    "function returning one)."
)


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
        OutputFormat, format_option("table, json or markdown (--format is the same option)")
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
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="NAMES",
            help="The table's columns, in order, comma-separated: in_out, weight, bias, params, "
            "params_percent, mult_adds, output_bytes, init, weight_range, input, output, "
            "status (layer always comes first). JSON always has everything.",
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
    mode: ModeOption = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            metavar="FILE",
            help="A checkpoint to compare with the model and load where it fits: a state "
            "dict saved by torch.save (.pt, .pth, .bin; read with weights_only=True) or a "
            ".safetensors file. Tensors of another shape are checkpoint-mismatch errors; "
            "names either side lacks are warnings.",
            show_default=False,
        ),
    ] = None,
    timeout: TimeoutOption = None,
    export_svg: Annotated[Path | None, export_option("SVG")] = None,
    export_html: Annotated[Path | None, export_option("HTML")] = None,
    color: ColorOption = ColorMode.auto,
    exit_zero: ExitZeroOption = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notes on stderr (the meta fallback's).")
    ] = False,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    extend_select: ExtendSelectOption = None,
    debug: DebugOption = False,
) -> None:
    json_output = output_format is OutputFormat.json
    chosen = _columns(columns)
    with exit_codes(debug=debug, json_errors=json_output):
        exports = [
            (path, kind) for path, kind in ((export_svg, "svg"), (export_html, "html")) if path
        ]
        for path, _ in exports:
            output.refuse_to_overwrite_the_spec(path, spec)
        config = load_config()
        rules = config.finding_rules(select or (), ignore or (), extend_select or ())
        options = config.run_options(
            spec,
            device=device,
            dtype=dtype.value if dtype else None,
            seed=seed,
            batch_size=batch_size,
            input_shapes=tuple(given.shape for given in input_shape or ()),
            input_kinds=tuple(given.kind for given in input_shape or ()),
            model_args=dict(arg or ()),
            allow_imports=allow_imports,
            max_memory=max_memory,
            mode=mode.value if mode else None,
        )
        if weights is not None:
            options = replace(options, weights=str(weights))
        from linearcli.pipeline import inspect_spec
        from linearcli.render import render_json, render_markdown, render_table
        from linearcli.render.flow import mermaid_html
        from linearcli.selection import apply

        with (
            output.progress(err_console, f"inspecting {spec}"),
            output.user_streams(),
            no_process_exit(),
            time_limit(timeout),
        ):
            report = inspect_spec(spec, options)
        report = apply(report, rules, report_unused=config.is_strict(strict))
        if not quiet:
            say_notes(spec, report, debug=debug)
        # Exports first: if one cannot be written, stdout holds the error alone (one JSON
        # document with --format json), not a report followed by an error.
        for path, kind in exports:
            table = render_table(report, depth=depth, expand=expand, columns=chosen)
            flow = mermaid_html(report, expand=expand) if kind == "html" else ""
            output.export(table, path, kind, title=f"linearcli inspect {spec}", appendix=flow)
        if json_output:
            sys.stdout.write(render_json(report) + "\n")
        elif output_format is OutputFormat.markdown:
            sys.stdout.write(render_markdown(report, depth=depth, expand=expand, columns=chosen))
        else:
            table = render_table(report, depth=depth, expand=expand, columns=chosen)
            output.print_renderable(table, color=color.value)
    failed = report.failed(strict=config.is_strict(strict))
    raise typer.Exit(exit_code(EXIT_FINDINGS if failed else EXIT_OK, exit_zero=exit_zero))


def _columns(text: str | None) -> tuple[str, ...] | None:
    """--columns, checked before anything runs: a bad name is a usage error."""
    if text is None:
        return None
    from linearcli.render import resolve_columns

    try:
        return resolve_columns([name.strip() for name in text.split(",") if name.strip()])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--columns'") from None
