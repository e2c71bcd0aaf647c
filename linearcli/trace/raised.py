"""What raised in a forward pass: its text, the module running, the torch call the
watching pass (failed_op.py) recorded on it, and an RNN's initial state."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import torch
from torch import nn

from linearcli.frames import deepest_user_line
from linearcli.guard import exit_message
from linearcli.records import ROOT_NAME, ForwardFailure, Made, OpFailure, RnnState

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


def rnn_state(exc: BaseException, module: nn.Module) -> tuple[torch.Tensor, int] | None:
    """An RNN that raised on its initial state: the state it was given (h0), and the batch
    its input has, where the two disagree; read from its forward's frame."""
    if not isinstance(module, nn.RNNBase):
        return None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "forward" and frame.f_locals.get("self") is module:
            x, hx = frame.f_locals.get("input"), frame.f_locals.get("hx")
            state = hx[0] if isinstance(hx, tuple) and hx else hx
            if isinstance(x, torch.Tensor) and isinstance(state, torch.Tensor):
                if x.ndim == 3 and state.ndim == 3:
                    batch = x.shape[0] if module.batch_first else x.shape[1]
                    return (state, batch) if state.shape[1] != batch else None
            return None
        tb = tb.tb_next
    return None


def forward_failure(
    exc: BaseException,
    model: nn.Module,
    names: dict[int, str],
    recovered: bool,
    provenance: Callable[[torch.Tensor], Made | None] | None,
) -> ForwardFailure:
    """The record of what raised; ``provenance`` says which call made a tensor."""
    culprit = innermost_module(exc, names) or model
    given = rnn_state(exc, culprit)
    state = None
    if given is not None:
        made = provenance(given[0]) if provenance is not None else None
        state = RnnState(tuple(given[0].shape), given[1], made)
    failure = ForwardFailure(
        module=names.get(id(culprit), ROOT_NAME),
        module_type=type(culprit).__name__,
        exception_type=type(exc).__name__,
        message=printable(exc).strip(),
        after_recovery=recovered,
        location=deepest_user_line(exc.__traceback__),
        traceback="".join(traceback.format_exception(exc)),
        op=op_of(exc),
        state=state,
    )
    # Reading the frames' locals (innermost_module) ties the traceback, and with it the
    # model and its activations, into a reference cycle; cut it so that memory goes now,
    # not at the garbage collector's next full pass.
    exc.__traceback__ = None
    return failure
