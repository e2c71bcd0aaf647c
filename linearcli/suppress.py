"""Suppression comments: ``# linearcli: ignore[CODE, ...]`` and ``# noqa: CODE, ...``.

Read from the line a finding points at, in Python (with ``tokenize``, so a ``#`` in a
string is no comment) and in YAML (a careful scan: a ``#`` that starts a comment, outside
quotes and block scalars). Each file is read once per run, only a regular file of at
most 4 MiB; a file that cannot be read or parsed suppresses nothing, and never fails a run.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from linearcli.codes import FINDING_CODES as CODES
from linearcli.spec import YAML_SUFFIXES

_MAX_SOURCE_BYTES = 4 * 2**20  # a larger file is not read: nothing is suppressed in it


@dataclass(frozen=True)
class Suppression:
    """One suppression comment: the codes it names (None: all) and how it was written."""

    text: str
    codes: tuple[str, ...] | None
    unknown: tuple[str, ...] = ()  # names in ``linearcli: ignore[...]`` that are no code
    bare_noqa: bool = False  # may be meant for another tool: never reported as unused

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


class SourceComments:
    """Suppression comments of source files, each file read once; share one per run."""

    def __init__(self) -> None:
        self._files: dict[str, dict[int, tuple[Suppression, ...]]] = {}

    def at(self, path: str, line: int) -> tuple[Suppression, ...]:
        if path not in self._files:
            self._files[path] = _read_suppressions(path)
        return self._files[path].get(line, ())


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?(?![\w-])", re.I)
_IGNORE = re.compile(r"#\s*linearcli:\s*ignore(?:\[(?P<codes>[^\]#]*)\])?(?![\w\[-])", re.I)


def _pragmas(comment: str) -> tuple[Suppression, ...]:
    found: list[Suppression] = []
    for match in _IGNORE.finditer(comment):
        if match["codes"] is None:
            found.append(Suppression(match[0].strip(), None))
            continue
        names = [n.lower() for n in re.split(r"[\s,]+", match["codes"]) if n]
        known = tuple(n for n in names if n in CODES)
        unknown = tuple(n for n in names if n not in CODES)
        found.append(Suppression(match[0].strip(), known, unknown))
    for match in _NOQA.finditer(comment):
        if match["codes"] is None:
            found.append(Suppression(match[0].strip(), None, bare_noqa=True))
            continue
        # Codes of other tools (E501) are theirs: a noqa naming none of ours is not ours.
        ours = tuple(n.lower() for n in re.split(r"[\s,]+", match["codes"]) if n.lower() in CODES)
        if ours:
            found.append(Suppression(match[0].strip(), ours))
    return tuple(found)


def _read_suppressions(path: str) -> dict[int, tuple[Suppression, ...]]:
    from linearcli.discover import read_regular_file

    suffix = Path(path).suffix.lower()
    if suffix not in (".py", *YAML_SUFFIXES):
        return {}
    data = read_regular_file(path, _MAX_SOURCE_BYTES + 1)
    if data is None or len(data) > _MAX_SOURCE_BYTES:
        return {}
    found = _python_comments(data) if suffix == ".py" else _yaml_comments(data)
    pragmas = {line: _pragmas(comment) for line, comment in found.items()}
    return {line: found for line, found in pragmas.items() if found}


def _python_comments(data: bytes) -> dict[int, str]:
    """Line -> comment, from the tokens (a ``#`` in a string is no comment)."""
    comments: dict[int, str] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError, ValueError):
        pass  # keep the comments before the point where the file stops making sense
    return comments


_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks, as marks count
_BLOCK_SCALAR = re.compile(r"(?:^|\s)[|>][1-9+-]{0,2}\s*$")


def _yaml_comments(data: bytes) -> dict[int, str]:
    """Line -> comment: a ``#`` at a line's start or after a space, outside any scalar."""
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = data.decode("utf-16" if utf16 else "utf-8-sig", errors="replace")
    comments: dict[int, str] = {}
    quote: str | None = None  # a quoted scalar still open at the end of a line
    block_indent: int | None = None  # inside a block scalar (| or >) under this indent
    for number, line in enumerate(_YAML_BREAK.split(text), start=1):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = None
        start, quote = _yaml_comment_start(line, quote)
        content = line if start is None else line[:start]
        if start is not None:
            comments[number] = line[start:]
        if quote is None and _BLOCK_SCALAR.search(content):
            block_indent = _parent_indent(content)
    return comments


def _yaml_comment_start(line: str, quote: str | None) -> tuple[int | None, str | None]:
    i = 0
    while i < len(line):
        char = line[i]
        if quote == '"' and char == "\\":
            i += 1  # the escaped character
        elif quote is not None and char == quote:
            if quote == "'" and line[i + 1 : i + 2] == "'":
                i += 1  # '' is a quote inside a single-quoted scalar
            else:
                quote = None
        elif quote is None and char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, None
        elif quote is None and char in "'\"" and _opens_scalar(line[:i]):
            quote = char
        i += 1
    return None, quote


def _opens_scalar(before: str) -> bool:
    """Whether a quote after ``before`` starts a scalar, not sits inside a plain one."""
    if before and before[-1] not in " \t[{,":
        return False
    words = before.split()
    # after an indicator, a flow bracket or comma, a tag or an anchor; or first on its line
    return not words or words[-1][-1] in ":-?[{," or words[-1][0] in "!&"


def _parent_indent(content: str) -> int:
    """The indentation a block scalar's lines must exceed: its key's, or its dash's."""
    match = re.match(r"\s*(?:-\s+)*", content)
    assert match is not None
    if content[match.end() :].lstrip().startswith(("|", ">")):  # "- |": the sequence's
        return match[0].rfind("-") if "-" in match[0] else len(match[0])
    return match.end()
