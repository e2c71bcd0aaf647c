"""Text that wraps only between words, a shape such as ``(2, 16, 768)`` counting as one.

Rich wraps at any space, so a long line could end inside a shape; these lines are broken
here instead, before Rich sees them, at spaces outside shapes. Only a word wider than the
terminal (a long path) is folded, rather than cut off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

# What a line never breaks inside: a shape "(2, 16, 768)", "768 → 3072", "417.6 MiB",
# "609.8 K" (mult-adds), a word.
_WORD = re.compile(
    r"(?:\((?:\d+, )*\d+,?\)|\d+ (?:→|->) \d+|\d[\d,.]* (?:[KMGT]?i?B|[KMGTP](?= ))\b|\S)+"
)


class Words:
    """A Text shown as written, its lines broken at spaces outside shapes when too long."""

    def __init__(self, text: Text):
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.text.split("\n", allow_blank=True):
            for piece in line.divide(_breaks(line.plain, options.max_width)):
                piece.rstrip()
                piece.overflow = "fold"  # a word wider than the terminal: folded, not lost
                yield piece

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.plain.split("\n")
        longest_word = max((cell_len(w) for w in _WORD.findall(self.text.plain)), default=0)
        return Measurement(longest_word, max(cell_len(line) for line in lines))


def _breaks(line: str, width: int) -> Iterator[int]:
    """Where the lines of ``line`` start, each as many words as fit in ``width``."""
    start = 0
    for word in _WORD.finditer(line):
        if word.start() > start and cell_len(line[start : word.end()]) > width:
            start = word.start()
            yield start
