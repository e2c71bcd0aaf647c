"""What the CLI writes besides the report: safe streams, a spinner, atomic exports.

Every function here does I/O on purpose; the renderers in render.py never do.
"""

from __future__ import annotations

import html
import io
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, TextIO, cast

from rich.console import Console
from rich.text import Text

from linearcli.errors import LinearcliError
from linearcli.escape import one_line
from linearcli.render import ASCII_FALLBACKS

EXPORT_WIDTH = 120
PROGRESS_DELAY_S = 1.0
# "path:line: error[" at the start of a linter line: the severity is what gets a colour.
_SEVERITY = re.compile(r"^(\S.*?: )(error|warning|info)\[", re.MULTILINE)
# The end of a line: spaces and the style codes among them (a padded bold header cell).
_LINE_END = re.compile(r"(?: |\x1b\[[0-9;]*m)+$", re.MULTILINE)
# Rich's own page template has no <title>; this one does, and nothing else of note.
_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>{title}</title>
<style>
{{stylesheet}}
body {{{{
    color: {{foreground}};
    background-color: {{background}};
}}}}
</style>
</head>
<body>
<pre style="font-family:Menlo,'DejaVu Sans Mono',consolas,monospace">
<code style="font-family:inherit">{{code}}</code></pre>
{appendix}</body>
</html>
"""


@contextmanager
def progress(console: Console, text: str) -> Iterator[None]:
    """A spinner on stderr, only on an interactive terminal, once the work has taken a second.

    Asked of the stream itself: FORCE_COLOR makes Rich treat a log file as a terminal,
    and a spinner there is dozens of frames of cursor codes.
    """
    if not _is_a_terminal(console.file):
        yield
        return
    status = console.status(Text(one_line(text)), spinner="dots")
    timer = threading.Timer(PROGRESS_DELAY_S, status.start)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()  # so it cannot start after the stop below
        status.stop()


@contextmanager
def user_streams() -> Iterator[None]:
    """While a spec's own code runs, what it prints goes to stderr: stdout is linearcli's.

    Both Python's ``print`` and writes to file descriptor 1 (a C extension's) move, so
    ``--format json`` stays exactly one JSON document whatever the spec prints. And its
    ``input()`` meets an empty stdin at once, rather than wait on a pre-commit terminal.
    """
    sys.stdout.flush()
    saved = _duplicate_stdout_descriptor()
    try:
        with redirect_stdout(sys.stderr), _empty_stdin():
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


@contextmanager
def _empty_stdin() -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.StringIO()
    try:
        yield
    finally:
        sys.stdin = saved


def _duplicate_stdout_descriptor() -> int | None:
    """fd 1 pointed at stderr, its old target kept; None where stdout has no descriptor."""
    try:
        if sys.stdout.fileno() != 1:
            return None
        error = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None  # a captured stream (tests, notebooks): redirect_stdout is enough
    saved = os.dup(1)
    os.dup2(error, 1)
    return saved


def _is_a_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def stdout_console(color: str = "auto") -> Console:
    """``color``: auto (Rich's rules: a terminal, NO_COLOR, FORCE_COLOR), always or never."""
    if color == "always":
        return Console(force_terminal=True, no_color=False)
    if color == "never":
        return Console(no_color=True, color_system=None)
    return Console()


def print_linter_lines(text: str, *, color: str = "auto") -> None:
    """``check``'s text lines, the severity coloured where colour is on (as ruff does)."""
    console = stdout_console(color)
    if console.no_color or console.color_system is None:
        sys.stdout.write(text)
        return
    styles = {"error": "\x1b[1;31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
    sys.stdout.write(
        _SEVERITY.sub(lambda m: f"{m[1]}{styles[m[2]]}{m[2]}\x1b[0m[", text)  # one per line
    )


def print_renderable(renderable: Any, *, color: str = "auto") -> None:
    """Print to stdout without the spaces Rich pads every table line with to its end."""
    console = stdout_console(color)
    with console.capture() as captured:
        console.print(renderable)
    text = _LINE_END.sub(lambda end: end.group().replace(" ", ""), captured.get())
    sys.stdout.write(text)


def refuse_to_overwrite_the_spec(export: Path, spec: str) -> None:
    for candidate in {Path(spec), Path(spec.rsplit(":", 1)[0])}:  # file.py:NAME names file.py
        if candidate.is_file() and export.resolve() == candidate.resolve():
            raise LinearcliError(
                f"refusing to write the export over the spec {spec}", path=str(export)
            )


def export(renderable: Any, path: Path, kind: str, *, title: str, appendix: str = "") -> None:
    """Rich's console export of the table, as SVG or HTML (``appendix``: HTML after it)."""
    console = Console(record=True, width=EXPORT_WIDTH, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    title = one_line(title)  # a spec's path, shown in a browser tab
    if kind == "svg":
        text = console.export_svg(title=title)
    else:
        # Rich fills in the page with str.format: braces of our own must be doubled.
        appendix = appendix.replace("{", "{{").replace("}", "}}")
        page = _HTML_PAGE.format(title=html.escape(title), appendix=appendix)
        text = console.export_html(code_format=page)
    try:
        write_atomically(path, text)
    except LinearcliError as exc:
        message = f"cannot write the {kind.upper()} export: {exc.message}"
        raise LinearcliError(message, path=str(path)) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LinearcliError(
            f"cannot write the {kind.upper()} export: {reason}", path=str(path)
        ) from None


def write_atomically(path: Path, text: str) -> None:
    """Into a temporary file beside it, then renamed: never a half-written file.

    Only a regular file is ever written: an existing one keeps its mode and owner, and a
    symbolic link is followed to its target, which is replaced, never the link itself;
    anything else there (a FIFO, a device, a directory) is refused. A new file gets the
    permissions any new file gets here (the umask's), not mkstemp's private 0600.
    """
    target = Path(os.path.realpath(path))
    try:
        existing: os.stat_result | None = target.stat()
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise LinearcliError("refusing to write over something that is not a regular file")
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        if existing is None:
            os.chmod(temporary, _new_file_mode())
        else:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
            _keep_owner(temporary, existing)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _keep_owner(temporary: str, existing: os.stat_result) -> None:
    try:
        os.chown(temporary, existing.st_uid, existing.st_gid)
    except PermissionError:
        pass  # only root may give a file away; then it is ours, as any edit would make it


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
