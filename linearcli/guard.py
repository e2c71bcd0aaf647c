"""A spec's code may not end the linearcli process: a check that never ran must not pass.

``sys.exit()`` in a spec raises SystemExit, which linearcli catches where it runs user
code and reports (build_model() raised SystemExit, a forward-error); ``os._exit()`` would
end the process on the spot, so while specs run it raises SpecExited instead, a
SystemExit handled the same way. A C extension that calls exit() itself, or a signal,
is beyond this: docs/security.md says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn


class SpecExited(SystemExit):
    """The spec called os._exit(code)."""

    def __str__(self) -> str:
        return f"os._exit({self.code})"


def exit_message(exc: SystemExit) -> str:
    """How a spec's SystemExit is shown: sys.exit(0), os._exit(3)."""
    return str(exc) if isinstance(exc, SpecExited) else f"sys.exit({exc.code!r})"


@contextmanager
def no_process_exit() -> Iterator[None]:
    real_exit = os._exit

    def refuse(status: int) -> NoReturn:
        raise SpecExited(status)

    os._exit = refuse
    try:
        yield
    finally:
        os._exit = real_exit
