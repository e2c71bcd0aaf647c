"""Who made each module, and so which line decided its size.

While a spec runs, a parameter-registration hook (loads.py's) notes for each new module
the user frames from the call of its constructor outwards. ``size_line`` hands them to
call_sites.py, which reads those calls to find the one whose number set the sizes that
a checkpoint disagrees with.
"""

from __future__ import annotations

import inspect
import itertools
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import CodeType, FrameType

from torch import nn

from linearcli.call_sites import Caller, Parameters, size_line
from linearcli.frames import OWN_DIR, display_path, is_user_code

_Frame = tuple[CodeType, int, bool]  # code, f_lasti, whether it called the next link in


class Makers:
    def __init__(self, spec_path: str | None) -> None:
        self.spec_path = spec_path
        self.spec_file = str(Path(spec_path).resolve()) if spec_path else None
        # id(module) -> (the module, weakly: a freed module's id may come back; its frames)
        self.frames: dict[int, tuple[weakref.ref[nn.Module], tuple[_Frame, ...]]] = {}

    def shown(self, filename: str, line: int) -> str:
        """``file:line`` with the spec's path as the user typed it, others relative to here."""
        shown = self.spec_path if filename == self.spec_file and self.spec_path else None
        return f"{shown or display_path(filename)}:{line}"

    def note(self, module: nn.Module, frame: FrameType | None) -> None:
        """The user frames that made ``module``, outwards until linearcli's own."""
        entry = self.frames.get(id(module))
        if entry is not None and entry[0]() is module:
            return
        frames: list[_Frame] = []
        linked = False  # whether the frame inside the current one is the next link in
        while frame is not None:
            code = frame.f_code
            if code.co_filename.startswith(OWN_DIR):
                break
            user = is_user_code(code.co_filename)
            if (user or code.co_name == "__init__") and frame.f_locals.get("self") is module:
                linked = True  # inside the module's own constructor
            elif user:
                frames.append((code, frame.f_lasti, linked))
                linked = True
            else:
                linked = False  # a library's frame: the user's call went to the library
            frame = frame.f_back
        self.frames[id(module)] = (weakref.ref(module), tuple(frames))

    def size_line(self, module: nn.Module, sizes: Iterable[int]) -> str | None:
        """The line to edit so that ``module`` gets other ``sizes`` (ones it has now)."""
        entry = self.frames.get(id(module))
        constructor = _parameters(type(module))
        if entry is None or entry[0]() is not module or constructor is None:
            return None
        wanted = set(sizes)
        # The parameters the module kept with those values (nn.Linear's out_features);
        # none found (a hand-written module): every argument of its constructor call.
        relevant = frozenset(
            name for name in constructor.names if _holds(_attribute(module, name), wanted)
        )
        callers = [self._caller(frame) for frame in entry[1]]
        return size_line(callers, constructor, relevant or None)

    def _caller(self, frame: _Frame) -> Caller:
        code, lasti, direct = frame
        # The running instruction's place: for a call, the whole call expression.
        line, end_line, column, end_column = next(
            itertools.islice(code.co_positions(), lasti // 2, None), (None, None, None, None)
        )
        span = (
            (line, end_line, column, end_column)
            if line is not None
            and end_line is not None
            and column is not None
            and end_column is not None
            else None
        )
        arguments = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        own = Parameters(arguments[: code.co_argcount], arguments[code.co_argcount :])
        return Caller(code.co_filename, self.shown(code.co_filename, line or 0), span, own, direct)


def _parameters(cls: type) -> Parameters | None:
    """A module class's constructor parameters, as a call binds them."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    kinds = inspect.Parameter
    values = signature.parameters.values()
    return Parameters(
        tuple(
            p.name for p in values if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
        ),
        tuple(p.name for p in values if p.kind is kinds.KEYWORD_ONLY),
    )


def _attribute(module: nn.Module, name: str) -> object:
    try:
        return getattr(module, name, None)
    except Exception:  # a property of the user's that cannot answer
        return None


def _holds(value: object, sizes: set[int]) -> bool:
    if isinstance(value, tuple | list):
        return any(_holds(v, sizes) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and value in sizes
