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
