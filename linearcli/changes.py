"""A fix as data: what to change (``Change``, decided by diagnosis) and where in the text
(``Edit``, computed from source positions by fix/). No torch here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """On the finding's line, in the call to ``call``, set ``argument`` from ``old`` to
    ``new``, both as Python (or YAML) writes them; ``old`` is "" where the argument is
    not written yet (``torch.flatten(x)`` gets ``start_dim`` 1).

    ``argument``: ``in_features`` (a Linear's first argument), ``sizes`` (every size of
    a ``view``/``reshape``), ``flatten`` (flatten the input of the layer ``call`` names
    from axis ``new`` before it runs: code inserted), or the name of a keyword that may
    also be written as the call's first argument (``dim``, ``start_dim``). ``safe``: the
    change can alter only the shapes it fixes; False where it inserts code or rests on
    linearcli's reading of the batch axis.
    """

    call: str  # Linear, view, reshape, flatten, mean, squeeze...
    argument: str
    old: str
    new: str
    safe: bool = True


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
