"""What the CLI writes besides the report: safe streams, a spinner, atomic exports.

Every function here does I/O on purpose; the renderers in render.py never do.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

from rich.console import Console

from linearcli.errors import LinearcliError
from linearcli.render import ASCII_FALLBACKS

EXPORT_WIDTH = 120
PROGRESS_DELAY_S = 1.0


@contextmanager
def progress(console: Console, text: str) -> Iterator[None]:
    """A spinner on stderr, only on a terminal, and only once the work has taken a second."""
    if not console.is_terminal:
        yield
        return
    status = console.status(text, spinner="dots")
    timer = threading.Timer(PROGRESS_DELAY_S, status.start)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()  # so it cannot start after the stop below
        status.stop()


def refuse_to_overwrite_the_spec(export: Path, spec: str) -> None:
    for candidate in {Path(spec), Path(spec.rsplit(":", 1)[0])}:  # file.py:NAME names file.py
        if candidate.is_file() and export.resolve() == candidate.resolve():
            raise LinearcliError(
                f"refusing to write the export over the spec {spec}", path=str(export)
            )


def export(renderable: Any, path: Path, kind: str, *, title: str) -> None:
    """Rich's console export of the table, as SVG or HTML."""
    console = Console(record=True, width=EXPORT_WIDTH, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    text = console.export_svg(title=title) if kind == "svg" else console.export_html()
    try:
        write_atomically(path, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LinearcliError(
            f"cannot write the {kind.upper()} export: {reason}", path=str(path)
        ) from None


def write_atomically(path: Path, text: str) -> None:
    """Into a temporary file beside it, then renamed: never a half-written file."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Transliterating:
    """A text stream that writes our symbols in ASCII and never raises on the rest."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.translate(ASCII_FALLBACKS))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def safe_stream(stream: TextIO) -> TextIO:
    try:
        "→…±σᵀ√×✓·".encode(stream.encoding or "ascii")
        return stream
    except (UnicodeEncodeError, LookupError):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
        return cast(TextIO, _Transliterating(stream))
