"""Which stack frames are the user's code, and how to show their files."""

from __future__ import annotations

import sysconfig
from pathlib import Path
from types import FrameType, TracebackType

import torch

OWN_DIR = str(Path(__file__).parent)
# Frames in these are never "the user's line": torch, the standard library, linearcli.
_LIBRARY_DIRS = (str(Path(torch.__file__).parent), sysconfig.get_paths()["stdlib"], OWN_DIR)


def is_user_code(filename: str) -> bool:
    return not filename.startswith(_LIBRARY_DIRS) and not filename.startswith("<")


def display_path(filename: str) -> str:
    """Relative to the current directory where it is below it, as a user would type it."""
    try:
        return str(Path(filename).relative_to(Path.cwd()))
    except ValueError:
        return filename


def location(filename: str, line: int) -> str:
    """``file:line`` as a user would type it."""
    return f"{display_path(filename)}:{line}"


def deepest_user_line(tb: TracebackType | None) -> str | None:
    """``file:line`` of the innermost traceback frame in user code, if any."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if is_user_code(filename):
            found = location(filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def nearest_user_frame(frame: FrameType | None) -> FrameType | None:
    """The nearest frame in user code, from ``frame`` outwards, up to linearcli's own
    frames: beyond them is whatever called linearcli (a CLI framework), not the model."""
    while frame is not None and not is_user_code(frame.f_code.co_filename):
        if frame.f_code.co_filename.startswith(OWN_DIR):
            return None
        frame = frame.f_back
    return frame


def calling_user_line(frame: FrameType | None) -> str | None:
    """``file:line`` of the nearest frame in user code, from ``frame`` outwards."""
    frame = nearest_user_frame(frame)
    return None if frame is None else location(frame.f_code.co_filename, frame.f_lineno)
