"""A spec's code may not end or hold the linearcli process: a check that never ran must
not pass, and a spec that runs forever must not hang a commit.

``sys.exit()`` in a spec raises SystemExit, which linearcli catches where it runs user
code and reports (build_model() raised SystemExit, a forward-error); ``os._exit()`` would
end the process on the spot, so while specs run it raises SpecExited instead, a
SystemExit handled the same way. A C extension that calls exit() itself, or a signal,
is beyond this: docs/security.md says so.
"""

from __future__ import annotations

import os
import signal
import threading
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


class SpecTimedOut(BaseException):
    """The spec ran past --timeout. A BaseException, so a spec's `except Exception` that
    wraps its own code cannot swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return f"the spec ran for more than {self.seconds:g} s (--timeout): not checked"


# What must stop the run when a spec's code raises it; anything else the code raises
# (SystemExit, GeneratorExit, a BaseException of its own) is reported against the spec.
STOPS_THE_RUN = (KeyboardInterrupt, SpecTimedOut)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """SpecTimedOut after ``seconds`` of wall time, raised in the spec's Python code.

    A real-time timer signal: it needs the main thread of a POSIX process (elsewhere there
    is no limit, and docs/security.md says so). A call into C that takes long is
    interrupted when it returns to Python.
    """
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable or seconds is None:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise SpecTimedOut(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
