"""``linearcli check PATH...``: many specs, linter style."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from linearcli import output
from linearcli.cli.app import app, err_console, exit_codes, say_notes
from linearcli.config import load_config
from linearcli.options import RunOptions
from linearcli.params import (
    AllowImportsOption,
    BatchSizeOption,
    CheckFormat,
    DebugOption,
    DeviceOption,
    DTypeOption,
    MaxMemoryOption,
    SeedOption,
    StrictOption,
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
    with exit_codes(debug=debug, json_errors=output_format is CheckFormat.json):
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
                say_notes(file.spec, file.report, debug=debug)
        render = {
            CheckFormat.text: render_check_text,
            CheckFormat.github: render_check_github,
            CheckFormat.json: render_check_json,
        }[output_format]
        sys.stdout.write(render(result))
    raise typer.Exit(result.exit_code)
