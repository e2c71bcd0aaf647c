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


def calling_user_line(frame: FrameType | None) -> str | None:
    """``file:line`` of the nearest frame in user code, from ``frame`` outwards."""
    while frame is not None:
        if is_user_code(frame.f_code.co_filename):
            return location(frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return None
