"""How much memory a model and its sample batch need, and how much may be spent.

A model built on the meta device allocates nothing but knows every parameter's shape and
dtype, so it tells what the real model would cost before anything is allocated.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy
from torch.overrides import TorchFunctionMode

from linearcli.spec import INIT_SCHEMES

BUDGET_SHARE = 0.5  # of the memory available now, by default


class NoValuesOnMeta(TorchFunctionMode):
    """While building on the meta device: filling a tensor with values is a no-op.

    A meta tensor has no values to fill, and some fillers (normal_, used by nn.Embedding)
    run there through torch's Python reference kernels, whose first use imports
    torch._dynamo, sympy and torch.distributed: about 800 modules and 2 s, for nothing.
    """

    FILLERS = frozenset(
        [getattr(nn.init, name) for name in INIT_SCHEMES]  # how torch.nn layers initialise
        + [getattr(torch.Tensor, name) for name in ("normal_", "uniform_", "fill_", "zero_")]
    )

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        if func in self.FILLERS:
            target = args[0] if args else kwargs.get("tensor")  # torch.nn.init passes tensor=
            if isinstance(target, torch.Tensor) and target.is_meta:
                return target
        return func(*args, **kwargs)


@contextmanager
def constructing_on_meta() -> Iterator[None]:
    """Modules made inside have their tensors on the meta device, and no values."""
    with torch.device("meta"), NoValuesOnMeta():
        yield


def meta_stand_ins(model: nn.Module) -> dict[str, torch.Tensor] | None:
    """A meta tensor for each of the model's parameters and buffers, by qualified name,
    for a pass that must not touch them (torch.func.functional_call). None while a lazy
    module awaits its first call (running it would materialise it), or where a tensor has
    no meta twin (a quantized buffer)."""
    named: list[tuple[str, torch.Tensor]] = [*model.named_parameters(remove_duplicate=False)]
    named += model.named_buffers(remove_duplicate=False)
    if any(is_lazy(t) for _, t in named):
        return None
    try:
        return {name: torch.empty_like(t, device="meta") for name, t in named}
    except (NotImplementedError, RuntimeError):
        return None


def meta_inputs(
    inputs: tuple[tuple[Any, ...], dict[str, Any]], batch: int | None = None, size: int = 0
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The inputs as meta tensors of the same shapes and dtypes (other values as they
    are); with ``batch``, a first axis of that size becomes ``size``."""

    def on_meta(value: Any) -> Any:
        if not isinstance(value, torch.Tensor) or value.is_nested:
            return value
        shape = tuple(value.shape)
        if batch is not None and shape and shape[0] == batch:
            shape = (size, *shape[1:])
        return torch.empty(shape, dtype=value.dtype, device="meta")

    args, keywords = inputs
    return tuple(on_meta(x) for x in args), {k: on_meta(v) for k, v in keywords.items()}


def model_bytes(model: nn.Module) -> int:
    """Parameters and buffers, each counted once, at their dtype."""
    tensors = {id(t): t for t in (*model.parameters(), *model.buffers())}
    return sum(t.numel() * t.element_size() for t in tensors.values() if not is_lazy(t))


def default_budget(device: torch.device) -> int:
    """Half of what is free: on the GPU for CUDA, else of the machine's memory."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * BUDGET_SHARE)
    return int(available_memory() * BUDGET_SHARE)


def available_memory() -> int:
    """MemAvailable from /proc/meminfo where there is one, else free physical pages."""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30  # nothing to ask: assume a modest laptop
