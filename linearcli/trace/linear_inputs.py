"""A Linear's call, looked at from its forward pre-hook: who called it, whether its weight
was assigned the wrong way round, and an input of the right shape to go on with."""

from __future__ import annotations

import linecache
import math
import re
from pathlib import Path
from types import FrameType

import torch
from torch import nn

from linearcli.frames import is_user_code, location
from linearcli.trace.ops import is_matrix

_CALL_MACHINERY = str(Path(nn.Module.__call__.__code__.co_filename))
_HOOKS = str(Path(__file__).with_name("hooks.py"))  # the pre-hook that asks


def direct_caller(frame: FrameType | None, name: str) -> str | None:
    """The user's line that called this module by its name (``self.fc1(x)``), where user
    code called it directly: not a Sequential, not another torch.nn module, not a loop
    over layers (``for layer in self.layers: x = layer(x)``), whose line is every layer's."""
    while frame is not None and frame.f_code.co_filename in (_HOOKS, _CALL_MACHINERY):
        frame = frame.f_back
    if frame is None or not is_user_code(frame.f_code.co_filename):
        return None
    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    if re.search(rf"\b{re.escape(name)}\b", text) is None:
        return None
    return location(frame.f_code.co_filename, frame.f_lineno)


def declared_transposed(module: nn.Linear) -> bool:
    """The weight is (in_features, out_features) as the Linear was built: a kernel kept
    (in, out) assigned as it is, where nn.Linear keeps (out, in)."""
    weight = getattr(module, "weight", None)
    if not is_matrix(weight) or weight.ndim != 2 or weight.shape[0] == weight.shape[1]:
        return False
    declared = (getattr(module, "in_features", None), getattr(module, "out_features", None))
    return tuple(weight.shape) == declared


def repaired(x: torch.Tensor, in_features: int, feature_map: bool) -> torch.Tensor:
    """An input the Linear accepts: the flattened tensor where that fits, else zeros."""
    if x.ndim >= 3 and math.prod(x.shape[1:]) == in_features:
        return x.flatten(1)
    shape = (
        (x.shape[0], in_features) if x.ndim >= 3 and feature_map else (*x.shape[:-1], in_features)
    )
    return torch.zeros(shape, dtype=x.dtype, device=x.device)
