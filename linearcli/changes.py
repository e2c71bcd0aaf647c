"""A fix as data: what to change (``Change``, decided by diagnosis) and where in the text
(``Edit``, computed from source positions by fix/edits.py). No torch here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """Set ``argument`` of the layer built on the finding's line from ``old`` to ``new``."""

    argument: str  # in_features
    old: int
    new: int


@dataclass(frozen=True)
class Edit:
    """Replace the text from ``start`` to ``end`` (exclusive) with ``content``."""

    start: tuple[int, int]  # (line, column), both from 1, the column in characters
    end: tuple[int, int]
    content: str

    def to_dict(self) -> dict[str, object]:
        return {
            "location": {"line": self.start[0], "column": self.start[1]},
            "end_location": {"line": self.end[0], "column": self.end[1]},
            "content": self.content,
        }
