"""Undo what a forward pass may change besides its output, so the model is left as found.

Restored: every buffer's values (BatchNorm's running statistics and batch counter, any
cache a forward() writes), the random number generators (dropout, or a forward() that
draws), and the hooks a forward() registers on the model's modules. Not restored:
parameters a forward() changes in place (``self.fc.weight.mul_(2)``); the pass runs
without gradients, so no optimizer step changes them, and copying every parameter of a
large model before each pass would cost more than the pass. docs/report.md says so.
A buffer that is not materialised yet (a lazy module's) has no values to keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

# The hook tables of an nn.Module, by attribute name (private, but stable for years).
_HOOK_TABLES = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_load_state_dict_pre_hooks",
)


@contextmanager
def undone_afterwards(model: nn.Module) -> Iterator[None]:
    buffers = [b for b in model.buffers() if not is_lazy(b)]
    with torch.no_grad():
        saved = [b.detach().clone() for b in buffers]
    hooks = _hook_keys(model)
    devices = sorted({b.device.index or 0 for b in buffers if b.device.type == "cuda"})
    try:
        with torch.random.fork_rng(devices=devices):
            yield
    finally:
        with torch.no_grad():
            for buffer, value in zip(buffers, saved, strict=True):
                if buffer.shape == value.shape:
                    buffer.copy_(value)
        _remove_new_hooks(model, hooks)


_REGISTRIES = frozenset({"_parameters", "_buffers", "_modules"})


@contextmanager
def attributes_kept(model: nn.Module) -> Iterator[None]:
    """Every module's own attributes as they were after the block: a step counter a
    forward() increments, a tensor it keeps (``self.last = y``, a meta tensor in a pass
    on stand-ins), one it adds, and what a list, dict or set attribute holds (a cache it
    appends to). Parameters, buffers and submodules are left to their own restoring."""
    saved = [
        (module, {k: v for k, v in vars(module).items() if k not in _REGISTRIES})
        for module in model.modules()
    ]
    contents = [
        (value, list(value.items()) if isinstance(value, dict) else list(value))
        for _, values in saved
        for value in values.values()
        if type(value) in (list, dict, set) or isinstance(value, dict)
    ]
    try:
        yield
    finally:
        for module, values in saved:
            own = module.__dict__  # as stored: nn.Module.__setattr__ would file tensors
            for key in [k for k in own if k not in _REGISTRIES and k not in values]:
                del own[key]
            own.update(values)
        for container, held in contents:
            container.clear()
            if isinstance(container, dict):
                container.update(held)
            elif isinstance(container, list):
                container.extend(held)
            else:
                container.update(held)


def _hook_keys(model: nn.Module) -> dict[tuple[int, str], set[Any]]:
    return {
        (id(module), table): set(getattr(module, table, {}))
        for module in model.modules()
        for table in _HOOK_TABLES
    }


def _remove_new_hooks(model: nn.Module, before: dict[tuple[int, str], set[Any]]) -> None:
    for module in model.modules():
        for table in _HOOK_TABLES:
            hooks = getattr(module, table, None)
            if not hooks:
                continue
            for key in set(hooks) - before.get((id(module), table), set()):
                del hooks[key]


@contextmanager
def quiet_pass(model: nn.Module) -> Iterator[None]:
    """An extra eval-mode pass that leaves nothing behind: no gradients, eager even where
    the model is compiled, buffers, random generators, hooks and module attributes put
    back, and every module's train/eval mode restored."""
    modes = [(module, module.training) for module in model.modules()]
    try:
        with (
            undone_afterwards(model),
            attributes_kept(model),
            torch.compiler.set_stance("force_eager"),
            torch.no_grad(),
        ):
            model.eval()
            yield
    finally:
        for module, training in modes:
            module.training = training
