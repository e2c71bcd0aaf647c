"""``linearcli check PATH...``: many specs, linter style."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from linearcli import output
from linearcli.cli.app import app, err_console, exit_code, exit_codes, say_notes
from linearcli.config import load_config
from linearcli.options import RunOptions
from linearcli.params import (
    AllowImportsOption,
    BatchSizeOption,
    CheckFormat,
    DebugOption,
    DeviceOption,
    DTypeOption,
    ExitZeroOption,
    MaxMemoryOption,
    QuietOption,
    SeedOption,
    StrictOption,
    format_option,
)


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
        CheckFormat, format_option("text, github or json (--format is the same option)")
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
    exit_zero: ExitZeroOption = False,
    quiet: QuietOption = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also say, on stderr, every spec checked and how it ended, "
            "so a CI log shows what was and was not checked.",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check many specs in one run, linter style: one line per finding, then a summary."""
    with exit_codes(debug=debug, json_errors=output_format is CheckFormat.json):
        config = load_config()
        from linearcli.check import check_specs, collect_specs
        from linearcli.lines import (
            file_outcome,
            render_check_github,
            render_check_json,
            render_check_text,
        )

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
            if file.report is not None and not quiet:
                say_notes(file.spec, file.report, debug=debug)
            if verbose:
                err_console.print(
                    f"linearcli: {file.spec}: {file_outcome(file)}", markup=False, soft_wrap=True
                )
        render = {
            CheckFormat.text: render_check_text,
            CheckFormat.github: render_check_github,
            CheckFormat.json: render_check_json,
        }[output_format]
        text = render(result)
        if quiet and output_format is not CheckFormat.json:
            text = "".join(text.splitlines(keepends=True)[:-1])  # the summary is the last line
        sys.stdout.write(text)
    raise typer.Exit(exit_code(result.exit_code, exit_zero=exit_zero))
