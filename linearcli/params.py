"""The CLI's options: their types, help and parsers, shared by the commands in cli.py.

Every value is parsed here, before a command runs, so a bad value is a usage error
(exit 2, one line) whatever it is: text, zero, a negative, a number past int64, a NUL.
The messages are linearcli's own, not a library's, so they stay put across versions.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer
import yaml

from linearcli.options import DEVICE_CHOICES, MAX_SEED, MAX_SIZE, InputKind, parse_size
from linearcli.spec import FLOAT_DTYPES, INTEGER_DTYPES


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class CheckFormat(StrEnum):
    text = "text"
    github = "github"
    json = "json"
    sarif = "sarif"
    junit = "junit"


class ExplainFormat(StrEnum):
    table = "table"
    json = "json"


class ColorMode(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class DType(StrEnum):
    float32 = "float32"
    float64 = "float64"
    float16 = "float16"
    bfloat16 = "bfloat16"


_DEVICE = re.compile(r"[a-z][a-z0-9_]*(:[0-9]{1,4})?")


# Integer inputs without a bound are drawn from {0, 1}: valid ids for any embedding,
# and a valid attention mask; give the vocabulary size to draw from all of it.
DEFAULT_ID_BOUND = 2


class SampleInput(NamedTuple):
    """One --input-shape: SHAPE[:DTYPE[:HIGH]], e.g. 3,32,32 or 16:int64:30522."""

    shape: tuple[int, ...]
    kind: InputKind


class ModelArg(NamedTuple):
    """KEY=VALUE from --arg."""

    key: str
    value: Any


def parse_count(text: str | int, *, at_most: int = MAX_SIZE) -> int:
    """A positive integer no larger than any real size: 2, 128, 1_000."""
    text = str(text)  # a default arrives as an int
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number") from None
    if value < 1:
        raise typer.BadParameter(f"{text!r}: it must be at least 1")
    if value > at_most:
        raise typer.BadParameter(f"{text!r} is beyond any real size (the limit is {at_most:,})")
    return value


def parse_seed(text: str | int) -> int:
    text = str(text)  # a default arrives as an int
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise typer.BadParameter(f"{text!r}: a seed is a whole number from 0 to 2^64 - 1")
    return value


def parse_shape(text: str) -> SampleInput:
    """One sample's shape, batch axis excluded: 784, 3,32,32 or 3x32x32; then, optionally,
    its dtype and, for integer ids, their exclusive upper bound: 16:int64:30522."""
    shape_text, _, kind_text = text.partition(":")
    parts = [part.strip() for part in shape_text.replace("x", ",").split(",")]
    if not shape_text.strip() or not all(part.isdigit() for part in parts):
        raise typer.BadParameter(f"{text!r} is not a shape such as 784, 3,32,32 or 16:int64:30522")
    shape = tuple(int(part) for part in parts)
    if any(size <= 0 for size in shape):
        raise typer.BadParameter(f"{text!r}: a shape is one or more positive integers")
    if any(size > MAX_SIZE for size in shape):
        raise typer.BadParameter(f"{text!r}: a size is at most 2^31 = {MAX_SIZE:,}")
    return SampleInput(shape, _input_kind(text, kind_text))


def _input_kind(text: str, kind_text: str) -> InputKind:
    if not kind_text:
        return InputKind()
    dtype, _, high_text = kind_text.partition(":")
    if dtype not in (*FLOAT_DTYPES, *INTEGER_DTYPES):
        known = ", ".join((*FLOAT_DTYPES, *INTEGER_DTYPES))
        raise typer.BadParameter(f"{text!r}: the dtype is one of {known}")
    if dtype in FLOAT_DTYPES:
        if high_text:
            raise typer.BadParameter(f"{text!r}: only integer ids take an upper bound")
        return InputKind(dtype)
    if not high_text:
        return InputKind(dtype, DEFAULT_ID_BOUND)
    if not high_text.isdigit() or not 0 < int(high_text) <= 2**62:
        raise typer.BadParameter(
            f"{text!r}: the bound of integer ids is a positive whole number, e.g. "
            f"{text.split(':')[0]}:{dtype}:30522 for a 30,522-token vocabulary"
        )
    return InputKind(dtype, int(high_text))


def parse_arg(text: str) -> ModelArg:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise typer.BadParameter(f"{text!r} is not KEY=VALUE (e.g. --arg hidden=128)")
    try:
        return ModelArg(key, yaml.safe_load(value))
    except yaml.YAMLError:
        raise typer.BadParameter(f"{text!r}: VALUE is not a YAML value") from None


def parse_memory(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def parse_device(text: str) -> str:
    """The spelling only; whether the machine has that device is build's question."""
    if not _DEVICE.fullmatch(text.strip()):
        raise typer.BadParameter(f"{text!r} is not a device: expected {DEVICE_CHOICES}")
    return text.strip()


def parse_export_path(text: str) -> Path:
    if not text or "\0" in text:
        raise typer.BadParameter(f"{text!r} is not a file name")
    path = Path(text)
    if path.is_dir():
        raise typer.BadParameter(f"{text!r} is a directory; name the file to write")
    return path


DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        "-d",
        metavar="DEVICE",
        parser=parse_device,
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
        parser=parse_seed,
        help="Random seed, 0 to 2^64 - 1: the same seed gives the same weights. Default: 0.",
        show_default=False,
    ),
]
BatchSizeOption = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        "-b",
        metavar="N",
        parser=parse_count,
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
    int | None,
    typer.Option(
        "--max-memory",
        metavar="SIZE",
        parser=parse_memory,
        help="Memory the model and its sample batch may take (8GB, 512MiB). Over it, the "
        "model is inspected on the meta device instead. Default: half of what is available.",
        show_default=False,
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks, including the forward pass's own.")
]
InputShapeOption = Annotated[
    list[SampleInput] | None,
    typer.Option(
        "--input-shape",
        "-i",
        metavar="SHAPE",
        parser=parse_shape,
        help="Shape of one sample, batch axis excluded (3,32,32), optionally with its dtype "
        "and, for integer ids, their exclusive upper bound (16:int64:30522; without one, ids "
        "are 0 or 1). Repeat for several inputs. Overrides the spec's input.",
        show_default=False,
    ),
]
ArgOption = Annotated[
    list[ModelArg] | None,
    typer.Option(
        "--arg",
        metavar="KEY=VALUE",
        parser=parse_arg,
        help="Keyword argument for a Python spec's class or factory; VALUE is read as "
        "YAML (128, 0.5, true, relu). Repeatable.",
        show_default=False,
    ),
]


def export_option(kind: str) -> Any:
    return typer.Option(
        f"--export-{kind.lower()}",
        metavar="PATH",
        parser=parse_export_path,
        help=f"Also write the table as {'an SVG image' if kind == 'SVG' else 'an HTML page'} "
        "(not when the spec cannot be checked).",
        show_default=False,
    )


def format_option(choices: str) -> Any:
    return typer.Option(
        "--output-format",
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"{choices}.",
    )


ColorOption = Annotated[
    ColorMode,
    typer.Option(
        "--color",
        metavar="WHEN",
        help="auto, always or never. auto: on a terminal, unless NO_COLOR is set (FORCE_COLOR "
        "forces it); always and never win over both.",
    ),
]
ExitZeroOption = Annotated[
    bool,
    typer.Option(
        "--exit-zero",
        help="Exit 0 even with error findings (or warnings with --strict); a spec that could "
        "not be checked is still exit 2.",
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Only the findings: no summary, no notes on stderr."),
]

SelectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        metavar="CODES",
        help="Report only these finding codes or prefixes (in-features-mismatch, init, ALL); "
        "comma-separated or repeated. Replaces \\[tool.linearcli] select.",
        show_default=False,
    ),
]
IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="CODES",
        help="Leave out these finding codes or prefixes (not-called, init-outlier).",
        show_default=False,
    ),
]
ExtendSelectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--extend-select",
        metavar="CODES",
        help="Add these codes to those selected (by default every code is).",
        show_default=False,
    ),
]


class RunMode(StrEnum):
    eval = "eval"
    train = "train"


ModeOption = Annotated[
    RunMode | None,
    typer.Option(
        "--mode",
        metavar="MODE",
        help="eval or train: the forward pass's mode (dropout, BatchNorm), like torchinfo's "
        "mode. Either way no gradients, and the model is left as found. Default: eval.",
        show_default=False,
    ),
]


def parse_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 10**6:
        raise typer.BadParameter(f"{text!r}: a timeout is more than 0 and at most 10^6 s")
    return value


TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        parser=parse_timeout,
        help="Give up on a spec that runs longer (building, its sample batch, the forward "
        "pass): it is reported as not checked (exit 2). Default: no limit.",
        show_default=False,
    ),
]
