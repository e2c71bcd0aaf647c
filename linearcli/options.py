"""What the user asked for, as one frozen value shared by the CLI and the Python API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEVICE_CHOICES = "cpu, cuda, cuda:N, meta or auto"
DEFAULT_BATCH_SIZE = 2


@dataclass(frozen=True)
class RunOptions:
    device: str = "cpu"
    dtype: str | None = None  # None: float32 for YAML specs, the model's own for Python
    seed: int = 0
    batch_size: int | None = None  # None: the spec's, else DEFAULT_BATCH_SIZE
    input_shapes: tuple[tuple[int, ...], ...] = ()  # per sample; overrides the spec's
    model_args: Mapping[str, Any] = field(default_factory=dict)  # --arg KEY=VALUE
    allow_imports: bool = False  # YAML layer types outside torch.nn, by dotted path
    max_memory: int | None = None  # bytes; None: half of what is available


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
    """'8GB' (10^9), '8GiB' (2^30), '512MB', '1.5G', '1000000' -> bytes."""
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("kmgtib")
    unit = cleaned[len(number) :]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size such as 8GB, 512MiB or 1000000") from None
    if unit not in _UNITS or value <= 0:
        raise ValueError(f"{text!r} is not a size such as 8GB, 512MiB or 1000000")
    return int(value * _UNITS[unit])
