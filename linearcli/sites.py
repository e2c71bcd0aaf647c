"""Where a Python spec wrote each module and parameter: the lines findings point at.

While the spec runs, one parameter-registration hook notes, for each module that
registers a parameter, the user's line that made it, and the user frames that did
(makers.py: the line that decided its sizes, a helper's call site); and for each
parameter, the user's line that last assigned it: inside a hand-written layer's
``__init__`` (``self.weight = nn.Parameter(...)``), or where a weight was replaced after
construction (``model.fc.weight = nn.Parameter(kernel)``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import torch
from torch import nn

from linearcli.frames import OWN_DIR, is_user_code, nearest_user_frame
from linearcli.makers import Makers
from linearcli.records import ROOT_NAME, size_key

# The attributes that hold the size a shape finding changes, in the order they are asked.
_INPUT_SIZES = ("in_features", "in_channels", "input_size", "num_features", "embed_dim")


class Sites:
    def __init__(self, spec_path: str | None) -> None:
        self.makers = Makers(spec_path)
        self.made: dict[int, tuple[nn.Module, str]] = {}  # the module kept: ids stay unique
        self.assigned: dict[int, dict[str, str]] = {}  # id(module) -> parameter -> line

    @contextmanager
    def recording(self) -> Iterator[Sites]:
        handle = torch.nn.modules.module.register_module_parameter_registration_hook(self._hook)
        try:
            yield self
        finally:
            handle.remove()

    def sources(self, model: nn.Module) -> dict[str, str]:
        """Module name -> the line that made it; ``size_key(name)`` -> the line that
        decided its input size, where another; parameter name -> where last assigned."""
        found: dict[str, str] = {}
        for name, module in model.named_modules():
            key = name or ROOT_NAME
            made = self.made.get(id(module))
            if made is not None:
                found[key] = made[1]
                size = self._size_line(module)
                if size is not None and size != made[1]:
                    found[size_key(key)] = size
            for param, line in self.assigned.get(id(module), {}).items():
                found[f"{name}.{param}" if name else param] = line
        return found

    def _hook(self, module: nn.Module, name: str, param: object) -> None:
        frame = sys._getframe(1)  # torch's registration, which called this hook
        self.makers.note(module, frame)
        if id(module) not in self.made:
            site = self._construction_site(frame, module)
            if site is not None:
                self.made[id(module)] = (module, site)
        user = nearest_user_frame(frame)
        if user is not None:
            line = self.makers.shown(user.f_code.co_filename, user.f_lineno)
            self.assigned.setdefault(id(module), {})[name] = line

    def _construction_site(self, frame: FrameType | None, module: nn.Module) -> str | None:
        """The user's line that made the module: outside its own ``__init__``."""
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(OWN_DIR):
                return None  # back in linearcli's loader: no user code made this module
            inside_own_init = frame.f_locals.get("self") is module
            if not inside_own_init and is_user_code(filename):
                return self.makers.shown(filename, frame.f_lineno)
            frame = frame.f_back
        return None

    def _size_line(self, module: nn.Module) -> str | None:
        """The line that decided the size a shape finding changes: the features, channels
        or input size the module takes."""
        for name in _INPUT_SIZES:
            size = getattr(module, name, None)
            if isinstance(size, int) and not isinstance(size, bool):
                return self.makers.size_line(module, (size,))
        return None
