"""``linearcli explain IN OUT``: one nn.Linear worked through with numbers."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from linearcli.cli.app import app, exit_codes
from linearcli.errors import SpecError
from linearcli.params import (
    DebugOption,
    ExplainFormat,
    parse_count,
    parse_seed,
)


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
    with exit_codes(debug=debug, json_errors=output_format is ExplainFormat.json):
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
