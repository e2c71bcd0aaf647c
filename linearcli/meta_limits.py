"""What the meta device cannot run, told apart from the model's own mistakes.

A meta tensor has a shape and a dtype but no values, so a forward pass on it stops where
the model needs a value (``.item()``, ``bool(mask.all())``, a copy to the CPU for
``pack_padded_sequence``, ``nonzero``) or an operator has no meta kernel (the nested
tensors of nn.TransformerEncoder's fast path), or a meta kernel is stricter than the real
one (``torch._grouped_mm``'s accepts bfloat16 only). None of these is a shape mistake:
the same model runs on real values. A shape mistake raises the same message on meta as
on the CPU, and none of these. Pure: from the exception's type name and message.
"""

from __future__ import annotations

import re

_NEEDS_VALUES = re.compile(
    r"\bmeta\b"  # "cannot be called on meta tensors", "out of meta tensor", "'Meta' backend"
    r"|data-dependent"  # a value decides a shape or a branch
    r"|\btype but got \w+\.dtype=",  # a meta kernel's dtype rule: "Expected inputs of BF16 type"
    re.IGNORECASE,
)


def meta_cannot_run(exception_type: str, message: str) -> bool:
    """Whether a failure on the meta device is the device's limit, not the model's."""
    return exception_type == "NotImplementedError" or bool(_NEEDS_VALUES.search(message))
