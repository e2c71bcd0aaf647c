"""What the user asked for, as one frozen value shared by the CLI and the Python API."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

DEVICE_CHOICES = "cpu, cuda, cuda:N, meta, auto, or another device torch has (mps, xpu)"
DEFAULT_BATCH_SIZE = 2
MAX_SIZE = 2**31  # the largest size linearcli accepts for any one axis or layer argument
MAX_SEED = 2**64 - 1  # what torch.manual_seed accepts


Mode = Literal["eval", "train"]


class InputKind(NamedTuple):
    """What one --input-shape's values are: a dtype, and for integer ids their bound."""

    dtype: str | None = None  # None: the run's floating dtype
    high: int | None = None  # exclusive upper bound of random integer ids


@dataclass(frozen=True)
class RunOptions:
    device: str = "cpu"
    dtype: str | None = None  # None: float32 for YAML specs, the model's own for Python
    seed: int = 0
    batch_size: int | None = None  # --batch-size; None: the spec's, else DEFAULT_BATCH_SIZE
    # [tool.linearcli] batch-size: like --batch-size wherever linearcli makes the sample
    # batch, but a Python spec's example_input, which fixes its own batch, keeps it.
    default_batch_size: int | None = None
    input_shapes: tuple[tuple[int, ...], ...] = ()  # per sample; overrides the spec's
    input_kinds: tuple[InputKind, ...] = ()  # one per input shape, where given (-i 16:int64:100)
    model_args: Mapping[str, Any] = field(default_factory=dict)  # --arg KEY=VALUE
    allow_imports: bool = False  # YAML layer types outside torch.nn, by dotted path
    max_memory: int | None = None  # bytes; None: half of what is available
    mode: Mode = "eval"  # the forward pass's train/eval mode
    weights: str | None = None  # --weights FILE: a checkpoint compared with the model, loaded

    def input_kind(self, index: int) -> InputKind:
        return self.input_kinds[index] if index < len(self.input_kinds) else InputKind()

    @property
    def made_batch_size(self) -> int:
        """The batch size wherever linearcli makes the sample batch itself."""
        return self.batch_size or self.default_batch_size or DEFAULT_BATCH_SIZE


_MAX_BYTES = 2**60
_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "kib": 2**10,
    "m": 10**6,
    "mb": 10**6,
    "mib": 2**20,
    "g": 10**9,
    "gb": 10**9,
    "gib": 2**30,
    "t": 10**12,
    "tb": 10**12,
    "tib": 2**40,
}


def parse_size(text: str) -> int:
    """'8GB' (10^9), '8GiB' (2^30), '512MB', '1.5G', '1000000' -> bytes (at least one)."""
    cleaned = text.strip().lower().replace(" ", "").replace("_", "")
    number = cleaned.rstrip("kmgtib")
    unit = cleaned[len(number) :]
    problem = f"{text!r} is not a size such as 8GB, 512MiB or 1000000"
    try:
        value = float(number)
    except ValueError:
        raise ValueError(problem) from None
    if unit not in _UNITS or not math.isfinite(value):
        raise ValueError(problem)
    size = value * _UNITS[unit]
    if size < 1:
        raise ValueError(f"{text!r}: a memory budget is at least 1 byte")
    if size > _MAX_BYTES:
        raise ValueError(f"{text!r}: more memory than any machine has (the limit is 1 EiB)")
    return int(size)
