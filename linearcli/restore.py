"""Undo what a train-mode forward pass changes: buffers (BatchNorm's running statistics,
its batch counter) and the random number generators (dropout draws from them).

Parameters are not touched: the pass runs without gradients, so no optimizer step can
change them. A buffer that is not materialised yet (a lazy module's) has no values to
keep; on the meta device there are none either, and copying them back is free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.parameter import is_lazy


@contextmanager
def undone_afterwards(model: nn.Module) -> Iterator[None]:
    buffers = [b for b in model.buffers() if not is_lazy(b)]
    with torch.no_grad():
        saved = [b.detach().clone() for b in buffers]
    devices = sorted({b.device.index or 0 for b in buffers if b.device.type == "cuda"})
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        with torch.no_grad():
            for buffer, value in zip(buffers, saved, strict=True):
                if buffer.shape == value.shape:
                    buffer.copy_(value)
