"""A fix for a model that cannot be built, where its constructor's arguments say what it
is: read from the locals of the frame that raised, never by parsing the message.

Today: attention whose ``embed_dim`` the ``num_heads`` do not divide
(``nn.MultiheadAttention(80, 6)``, heads and layers swapped in a config), with the head
counts that divide it and the sizes the heads divide. No torch here.
"""

from __future__ import annotations

from types import TracebackType


def build_fix(exc: BaseException) -> str | None:
    """What to change so that the constructor that raised ``exc`` builds."""
    for locals_ in _frames(exc.__traceback__):
        embed, heads = _positive(locals_.get("embed_dim")), _positive(locals_.get("num_heads"))
        if embed is not None and heads is not None and embed % heads:
            return _heads_fix(embed, heads)
    return None


def _heads_fix(embed: int, heads: int) -> str:
    lower = next((h for h in range(heads - 1, 0, -1) if embed % h == 0), None)
    upper = next((h for h in range(heads + 1, embed + 1) if embed % h == 0), None)
    counts = [f"{h} heads of {embed // h}" for h in (lower, upper) if h is not None and h > 1]
    use = f"use {' or '.join(counts)}, or " if counts else ""
    below, above = embed - embed % heads, embed - embed % heads + heads
    sizes = f"{below} or {above}" if below else str(above)
    return (
        f"{embed} is not divisible by {heads} heads: {use}an embed_dim that {heads} "
        f"divides: {sizes}"
    )


def _frames(tb: TracebackType | None) -> list[dict[str, object]]:
    """The frames' locals, innermost first."""
    found = []
    while tb is not None:
        found.append(tb.tb_frame.f_locals)
        tb = tb.tb_next
    return found[::-1]


def _positive(value: object) -> int | None:
    return value if type(value) is int and value > 0 else None
