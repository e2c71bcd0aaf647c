"""linearcli: inspect every nn.Linear in a PyTorch model, and explain why shapes fail."""

from linearcli.errors import BuildError, LinearcliError, SpecError
from linearcli.options import RunOptions
from linearcli.pipeline import assert_shapes, inspect_model, inspect_spec
from linearcli.render import render_json, render_markdown, render_table
from linearcli.report import Diagnostic, LayerReport, Report, Totals

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "Diagnostic",
    "LayerReport",
    "LinearcliError",
    "Report",
    "RunOptions",
    "SpecError",
    "Totals",
    "__version__",
    "assert_shapes",
    "inspect_model",
    "inspect_spec",
    "render_json",
    "render_markdown",
    "render_table",
]
