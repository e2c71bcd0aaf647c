"""What text from a spec may not do to the medium it is shown in.

Layer names, class names, file paths and exception messages all come from the user's
files and code, and any of them can hold an ESC sequence (clear the screen, retitle the
window, a hyperlink that hides its target), a line break that starts a line of its own
(in a CI log, ``::add-mask::`` is a GitHub workflow command), a bidirectional override
that shows text in another order than it runs, or HTML. Every renderer passes such text
through one of these; JSON needs none (``json.dumps`` escapes every control character).
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What Markdown or HTML would read as syntax inside a line of text: emphasis (an
# underscore inside a word never is), code, links and images, raw HTML and entities,
# strikethrough, a table's cell separator.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*\[\]<&|~]|(?<!\w)_|_(?!\w)")


def visible(text: str) -> str:
    """Every character that ``str.isprintable`` refuses, written as its escape.

    ``a\\x1b[2Jb`` for an ESC, ``\\n`` for a line break, ``\\u202e`` for a right-to-left
    override: controls (C0, DEL, C1), formatting characters (zero-width, bidirectional),
    line and paragraph separators, spaces other than " ", and what no UTF-8 stream or XML
    document can hold (lone surrogates, U+FFFE). A name stays on one line and shows what
    is really in it.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def one_line(text: str) -> str:
    """A message on one line: line breaks become "; ", every other control visible.

    For messages (an exception's text can run over several lines); a name is ``visible``.
    """
    joined = _LINE_BREAKS.sub("; ", text.strip()).replace("\t", " ")
    return visible(joined)


def markdown_text(text: str) -> str:
    """A message for Markdown: one line, and every character that Markdown or HTML would
    read as syntax backslash-escaped, so that it shows as typed and is never live."""
    return _MARKDOWN_SYNTAX.sub(lambda match: "\\" + match.group(), one_line(text))


def markdown_code(text: str) -> str:
    """A name or a path as Markdown code: ``name``, fenced with more backticks than it
    holds, its pipes escaped (GitHub splits table cells on them even inside code)."""
    shown = visible(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{padding}{shown}{padding}{fence}"


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )
