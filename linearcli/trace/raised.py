"""What raised in a forward pass: its text, the module running, and the torch call the
watching pass (failed_op.py) recorded on it."""

from __future__ import annotations

from torch import nn

from linearcli.guard import exit_message
from linearcli.records import OpFailure

_OP = "_linearcli_op"  # where the watching pass leaves a failure's call on the exception


def leave_op(exc: BaseException, op: OpFailure) -> None:
    try:
        setattr(exc, _OP, op)
    except AttributeError:  # an exception type without a __dict__
        pass


def op_of(exc: BaseException) -> OpFailure | None:
    """The torch call that raised this exception, where the watching pass recorded one
    (trace/failed_op.py)."""
    found = getattr(exc, _OP, None)
    return found if isinstance(found, OpFailure) else None


def printable(exc: BaseException) -> str:
    """An exception's text, even when its __str__ raises (user code can do anything)."""
    if isinstance(exc, SystemExit):
        return f"the spec called {exit_message(exc)}"
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__} whose message could not be read>"


def innermost_module(exc: BaseException, names: dict[int, str]) -> nn.Module | None:
    """The deepest module of this model whose code is on the exception's traceback.

    The traceback is the truth even where the model caught an earlier exception itself,
    which would leave any enter/exit bookkeeping unbalanced.
    """
    found = None
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, nn.Module) and id(owner) in names:
            found = owner
        tb = tb.tb_next
    return found
