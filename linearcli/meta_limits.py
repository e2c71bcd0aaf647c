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

# torch's own words for each limit; a user's message that merely shows a meta tensor
# ("tensor(..., device='meta')") or a NotImplementedError of the model's own (a module
# without forward) is none of them.
_LIMITS = re.compile(
    r"cannot be called on meta tensors"  # .item(), .tolist(), bool(): a value is needed
    r"|out of meta tensor"  # "Cannot copy out of meta tensor; no data!": .cpu(), .numpy()
    r"|with meta tensors, but"  # "attempted to run this operator with Meta tensors, but ..."
    r"|from the 'meta' backend"  # "Could not run 'aten::x' with arguments from the 'Meta' backend"
    r"|data-dependent"  # a value decides a shape or a branch
    r"|type but got \w+\.dtype=",  # a meta kernel's dtype rule: "Expected inputs of BF16 type"
    re.IGNORECASE,
)


def meta_cannot_run(message: str) -> bool:
    """Whether a failure on the meta device is the device's limit, not the model's."""
    return _LIMITS.search(message) is not None
