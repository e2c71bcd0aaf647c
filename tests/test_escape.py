"""escape.py: what a name or a message from a spec may not do to a terminal, a CI log,
Markdown or HTML."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from linearcli.escape import markdown_code, markdown_text, one_line, visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("fc1", "fc1"),
        ("слой.0", "слой.0"),  # letters of any script stay
        ("a\x1b[2Jb", "a\\x1b[2Jb"),  # clear screen
        ("t\x1b]0;title\x07", "t\\x1b]0;title\\x07"),  # window title
        ("x\x1b]8;;http://evil\x1b\\y", "x\\x1b]8;;http://evil\\x1b\\y"),  # hyperlink
        ("n\n::add-mask::s", "n\\n::add-mask::s"),  # a workflow command on a line of its own
        ("ok\rEVIL", "ok\\rEVIL"),
        ("tab\there", "tab\\there"),
        ("c\x9b2J", "c\\x9b2J"),  # the one-byte CSI
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone\udc80", "lone\\udc80"),  # what surrogateescape makes of a bad file name
        ("\ufeffbom", "\\ufeffbom"),
        ("nul\x00del\x7f", "nul\\x00del\\x7f"),
    ],
)
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown


@given(st.text())
def test_visible_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = visible(text)
    assert shown.isprintable()
    assert visible(shown) == shown  # once is enough: escaping twice changes nothing
    shown.encode("utf-8")  # no lone surrogate left to crash a stream


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("plain", "plain"),
        ("first\nsecond", "first; second"),
        ("  padded  \r\n\n next ", "padded; next"),
        ("a\tb", "a b"),
        ("esc\x1b[2J\nsecond", "esc\\x1b[2J; second"),
    ],
)
def test_one_line(text: str, line: str) -> None:
    assert one_line(text) == line


@given(st.text())
def test_one_line_is_one_printable_line(text: str) -> None:
    line = one_line(text)
    assert line.isprintable()  # so no line break either


MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[click](http://evil)",
        "![pixel](http://evil/p.png)",
        "<http://evil>",
        "**bold** and _under_ and *em*",
        "7*7*64 = 3136",
        "`code` and ``more``",
        "~~gone~~",
        "&lt;img&gt; &#60;",
        "a | b",
        "back\\slash",
    ],
)
def test_markdown_text_renders_as_typed(text: str) -> None:
    html = MARKDOWN.render(markdown_text(text))
    for tag in ("<img", "<script", "<a ", "<strong", "<em", "<code", "<del"):
        assert tag not in html, html
    assert MARKDOWN.render(markdown_text(text)) == MARKDOWN.render(_escaped_paragraph(text))


def _escaped_paragraph(text: str) -> str:
    """What the paragraph must render to: the text itself, every character literal."""
    return "".join(f"&#{ord(c)};" if not c.isalnum() and c != " " else c for c in text)


def test_markdown_text_keeps_names_readable() -> None:
    assert markdown_text("set in_features to 8: nn.Linear(8, 2)") == (
        "set in_features to 8: nn.Linear(8, 2)"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("encoder.layer.0", "`encoder.layer.0`"),
        ("a`b", "``a`b``"),
        ("`edge`", "`` `edge` ``"),
        ("x|y", "`x\\|y`"),
        ("<img src=x>", "`<img src=x>`"),
        ("esc\x1b", "`esc\\x1b`"),
    ],
)
def test_markdown_code(name: str, code: str) -> None:
    assert markdown_code(name) == code


@given(st.text(min_size=1).filter(lambda s: s.strip() and "|" not in s))
def test_markdown_code_shows_the_name_as_one_code_span(name: str) -> None:
    html = MARKDOWN.render(f"x {markdown_code(name)} y").strip()
    assert html.startswith("<p>x <code>") and html.endswith("</code> y</p>"), html
    assert html.count("<code>") == 1
