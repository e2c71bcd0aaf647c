"""``linearcli check PATH...``: many specs, linter style."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated

import typer

from linearcli import output
from linearcli.cli.app import app, err_console, exit_code, exit_codes, say, say_notes
from linearcli.config import load_config
from linearcli.guard import no_process_exit
from linearcli.options import RunOptions
from linearcli.params import (
    AllowImportsOption,
    BatchSizeOption,
    CheckFormat,
    ColorMode,
    ColorOption,
    DebugOption,
    DeviceOption,
    DTypeOption,
    ExitZeroOption,
    ExtendSelectOption,
    IgnoreOption,
    MaxMemoryOption,
    ModeOption,
    QuietOption,
    SeedOption,
    SelectOption,
    StrictOption,
    TimeoutOption,
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
        CheckFormat,
        format_option("text, github, json, sarif or junit (--format is the same option)"),
    ] = CheckFormat.text,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    extend_select: ExtendSelectOption = None,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", help="Instead of the findings, how many of each code (text format)."
        ),
    ] = False,
    batch_size: BatchSizeOption = None,
    device: DeviceOption = None,
    dtype: DTypeOption = None,
    seed: SeedOption = None,
    strict: StrictOption = None,
    allow_imports: AllowImportsOption = None,
    max_memory: MaxMemoryOption = None,
    mode: ModeOption = None,
    timeout: TimeoutOption = None,
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
    color: ColorOption = ColorMode.auto,
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
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Make the safe fixes in the spec files (an in_features literal, a view's "
            "sizes, flatten's start_dim), each verified by inspecting the edited spec before "
            "the file is written; then report what is left.",
        ),
    ] = False,
    unsafe_fixes: Annotated[
        bool,
        typer.Option(
            "--unsafe-fixes",
            help="With --fix or --diff, make the unsafe fixes too: those that insert code "
            "(a missing flatten) or rest on linearcli's reading of the batch axis (a "
            "reduction's dim, a squeeze's axis).",
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print the safe fixes as a unified diff and write nothing; exit 1 if there "
            "is a diff.",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check many specs in one run, linter style: one line per finding, then a summary."""
    return_code: int | None = None  # --diff: 1 if there is one, whatever the findings
    with exit_codes(debug=debug, json_errors=output_format is CheckFormat.json):
        config = load_config()
        rules = config.finding_rules(select or (), ignore or (), extend_select or ())
        from linearcli.check import check_specs, collect_specs
        from linearcli.junit import render_check_junit
        from linearcli.lines import (
            file_outcome,
            render_check_github,
            render_check_json,
            render_check_text,
        )
        from linearcli.sarif import render_check_sarif
        from linearcli.selection import apply
        from linearcli.statistics import statistics_lines
        from linearcli.suppress import SourceComments

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
                mode=mode.value if mode else None,
            )

        with (
            output.progress(
                err_console, f"checking {len(specs)} spec{'' if len(specs) == 1 else 's'}"
            ),
            output.user_streams(),
            no_process_exit(),
        ):
            result = check_specs(
                specs, options_for, strict=config.is_strict(strict), timeout=timeout
            )
        comments = SourceComments()  # each source file read once for the whole run
        result = replace(
            result,
            files=tuple(
                replace(
                    file,
                    report=apply(
                        file.report, rules, report_unused=result.strict, comments=comments
                    ),
                )
                if file.report is not None
                else file
                for file in result.files
            ),
        )
        if unsafe_fixes and not (fix or diff):
            raise typer.BadParameter("goes with --fix or --diff", param_hint="'--unsafe-fixes'")
        if fix or diff:
            from linearcli.fix.run import fix_run, verifier

            inspect_for = verifier(options_for, rules, strict=result.strict, timeout=timeout)
            with output.user_streams(), no_process_exit():
                fixing = fix_run(result, inspect_for, write=not diff, unsafe=unsafe_fixes)
            for note in fixing.notes:
                say(f"linearcli: {note}")
            if fixing.fixed or diff:
                say(fixing.summary(written=not diff))
            if diff:
                sys.stdout.write("".join(fixed.diff() for fixed in fixing.fixed))
                for file in result.files:
                    if file.failure is not None:
                        say(f"linearcli: {file.spec}: not checked: {file.failure.message}")
                worst = 2 if result.not_checked else 1 if fixing.fixed else 0
                return_code = exit_code(worst, exit_zero=exit_zero)
            result = fixing.result
        if return_code is None:  # --diff prints the diff alone
            for file in result.files:
                if file.report is not None and not quiet:
                    say_notes(file.spec, file.report, debug=debug)
                if verbose:
                    say(f"linearcli: {file.spec}: {file_outcome(file)}")
            render = {
                CheckFormat.text: render_check_text,
                CheckFormat.github: render_check_github,
                CheckFormat.json: render_check_json,
                CheckFormat.sarif: render_check_sarif,
                CheckFormat.junit: render_check_junit,
            }[output_format]
            text = render(result)
            if statistics and output_format is CheckFormat.text:
                text = (
                    "".join(f"{line}\n" for line in statistics_lines(result))
                    + text.splitlines(keepends=True)[-1]
                )
            if quiet and output_format in (CheckFormat.text, CheckFormat.github):
                text = "".join(text.splitlines(keepends=True)[:-1])  # the summary is the last line
            if output_format is CheckFormat.junit:  # the XML says UTF-8: write exactly that
                sys.stdout.flush()
                sys.stdout.buffer.write(text.encode("utf-8"))
            elif output_format is CheckFormat.text:
                output.print_linter_lines(text, color=color.value)
            else:
                sys.stdout.write(text)
    if return_code is None:
        return_code = exit_code(result.exit_code, exit_zero=exit_zero)
    raise typer.Exit(return_code)
