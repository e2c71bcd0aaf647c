"""The torch operation that raised, with what it was given: a second, watched pass.

A ``TorchFunctionMode`` sees every call into torch as the code wrote it (``x.view(-1,
320)``, ``F.linear(x, w)``, the ``F.conv1d`` inside ``nn.Conv1d.forward``) with its
arguments; it is off while a call runs, so only the outermost call is seen. Watching
every call costs Python on each, so this pass runs only after one that failed or gave a
Linear a wrong input. It also notes which call on which user line made each tensor.

From the call where the first pass failed on, a failing call whose mistake op_kinds.py
can name gets the output its fix would give, and the pass goes on, so the layers after
it are checked in the same run: a view the first size that holds its input, a weight
the wrong way round its transpose, a convolution its channels where it reads them. A
call that raises before that point, or inside a ``try`` that catches it, is the model's
own to handle and is left alone; so is a mistake with two ways out (``either``). Any
other failure raises as before, with its call recorded on the exception.
"""

from __future__ import annotations

import linecache
import sys
import weakref
from collections.abc import Callable
from dataclasses import replace
from types import FrameType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from linearcli.call_sites import handles_errors
from linearcli.frames import OWN_DIR, is_user_code, location, nearest_user_frame
from linearcli.op_kinds import CONV_TRANSPOSES, CONVS, VIEWS, kind_of, norm_channels, view_fits
from linearcli.op_kinds import conv_channels as channels_of
from linearcli.records import ForwardFailure, Made, OpFailure
from linearcli.trace.hooks import Recorder
from linearcli.trace.ops import forward_owner
from linearcli.trace.raised import leave_op, op_of, printable


class FailedOps(TorchFunctionMode):
    """``repaired``: the calls that raised and were given an output to go on with."""

    def __init__(self, recorder: Recorder, model: nn.Module, failed: ForwardFailure | None):
        super().__init__()
        self.recorder = recorder
        self.parameters = {id(p): name for name, p in model.named_parameters()}
        # id(weight) -> its nn.Linear's declared (in_features, out_features)
        self.declared = {
            id(m.weight): (m.in_features, m.out_features)
            for m in model.modules()
            if isinstance(m, nn.Linear) and isinstance(m.weight, torch.Tensor)
        }
        # Where the first pass failed: calls that raise before it are not given an output
        # (the model may catch their exceptions itself); from it on, they are.
        self.failed = failed
        self.reached = False
        self.repaired: list[OpFailure] = []
        # id(tensor) -> (weak reference, the call that made it): its provenance
        self.made: dict[int, tuple[weakref.ref[torch.Tensor], Made]] = {}
        recorder.provenance = self.made_by

    def __exit__(self, *exc: object) -> None:
        # The recorder asks this mode for provenance only while it is on; cutting the link
        # leaves no reference cycle (recorder -> mode -> recorder) holding the model.
        self.recorder.provenance = None
        super().__exit__(*exc)  # type: ignore[no-untyped-call]

    def made_by(self, tensor: torch.Tensor) -> Made | None:
        known = self.made.get(id(tensor))
        return known[1] if known is not None and known[0]() is tensor else None

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        try:
            out = func(*args, **kwargs)
        except Exception as exc:
            if op_of(exc) is not None:
                raise
            failed = self._failed(func, args, kwargs, exc)
            fixed = self._gone_past(failed, func, args, kwargs)
            if fixed is None:
                leave_op(exc, failed)
                raise
            self.repaired.append(replace(failed, repaired=tuple(fixed.shape)))
            self.recorder.recovered = True
            out = fixed
        if isinstance(out, torch.Tensor) and not out.is_nested:
            self._note(func, args, kwargs, out)
        return out

    def _note(
        self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: torch.Tensor
    ) -> None:
        """Where ``out`` came from: the call and its line; and, for a call of one tensor
        that keeps its shape (``torch.relu(self.fc1(x))``, ``F.dropout``), the module that
        decided that tensor's size, known as exactly as before the call."""
        frame = nearest_user_frame(sys._getframe(2))
        if frame is not None:
            line, code = _line(frame)
            self.made[id(out)] = (weakref.ref(out), Made(_name(func), line, code))
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
        if len(tensors) == 1 and tensors[0] is not out and tensors[0].shape == out.shape:
            origin = self.recorder.origin(tensors[0])
            if origin.exact:
                self.recorder.note(out, origin)

    def _gone_past(
        self, failed: OpFailure, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> torch.Tensor | None:
        """The output the fix would give, where linearcli goes on past this call."""
        self.reached = self.reached or self._where_it_failed(failed)
        kind = kind_of(failed)
        if not self.reached or kind is None or kind == "either":
            return None
        if handles_errors(_callers(sys._getframe(2))):
            return None  # a try around the call: the model handles it
        try:
            return _repair(kind, failed, func, args, kwargs)
        except Exception:  # the fix does not fit either: say what raised, no more
            return None

    def _where_it_failed(self, call: OpFailure) -> bool:
        """The call raised where the first pass failed: its line, or, where no user code was
        running (a YAML spec's layers), its module."""
        failed = self.failed
        if failed is None:
            return False
        if failed.location is not None:
            return call.line == failed.location
        return call.module == failed.module

    def _failed(
        self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], exc: Exception
    ) -> OpFailure:
        name = _name(func)
        frame = sys._getframe(2)
        user = nearest_user_frame(frame)
        line, code = _line(user) if user is not None else (None, "")
        x = args[0] if args else None
        producer = made = None
        if isinstance(x, torch.Tensor) and not x.is_nested:
            origin = self.recorder.origin(x)
            producer = origin.producer if origin.exact else None
            made = self.made_by(x)
        text = printable(exc).strip()
        return OpFailure(
            op=name,
            module=forward_owner(frame, self.recorder.names),
            line=line,
            code=code,
            message=text.splitlines()[0] if text else "",
            shapes=tuple(_shape(a) for a in args),
            parameters=tuple(self.parameters.get(id(a)) for a in args),
            declared=tuple(self.declared.get(id(a)) for a in args),
            sizes=_sizes(name, args, kwargs),
            groups=_groups(name, args, kwargs),
            producer=producer,
            made=made,
            after_recovery=self.recorder.recovered,
        )


def _repair(
    kind: str,
    failed: OpFailure,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> torch.Tensor | None:
    """The output the fix of this kind of mistake gives (op_kinds.py names them)."""
    x, rest = args[0], args[1:]
    result: Any = None
    if kind == "reshape":
        result = x.reshape(failed.sizes)
    elif kind == "view-size":
        fits = view_fits(tuple(x.shape), failed.sizes)
        result = x.reshape(fits[0][0]) if fits else None
    elif kind == "swapped":
        result = F.linear(args[1], x, *args[2:3], **kwargs)
    elif kind == "transposed" and failed.op == "linear":
        weight, bias = args[1], args[2] if len(args) > 2 else kwargs.get("bias")
        bias_fits = bias is None or tuple(bias.shape) == (weight.shape[1],)
        result = F.linear(x, weight.T, bias if bias_fits else None)
    elif kind == "transposed":
        result = x @ args[1].T
    elif kind == "unbatched-image":
        result = func(x[None, None], *rest, **kwargs)
    elif kind == "no-channel":
        result = func(x.unsqueeze(1), *rest, **kwargs)
    elif kind == "channels-last":
        result = func(x.movedim(-1, 1), *rest, **kwargs)
    elif kind == "channels":  # as if the producer gave the channels the layer takes
        result = func(_zeros(x, channels_of(failed)), *rest, **kwargs)
    elif kind == "norm-last":
        result = func(x.transpose(1, 2), *rest, **kwargs).transpose(1, 2)
    elif kind == "norm-producer":  # as if the producer gave the channels the norm takes
        channels = norm_channels(failed)
        result = func(_zeros(x, channels), *rest, **kwargs) if channels else None
    elif kind == "norm-size":  # as if the norm took these channels: it keeps the shape
        result = x
    return result if isinstance(result, torch.Tensor) else None


def _zeros(x: torch.Tensor, channels: int) -> torch.Tensor:
    return torch.zeros((x.shape[0], channels, *x.shape[2:]), dtype=x.dtype, device=x.device)


def _line(frame: FrameType) -> tuple[str, str]:
    """``file:line`` of a frame, and that line's text."""
    filename, number = frame.f_code.co_filename, frame.f_lineno
    return location(filename, number), linecache.getline(filename, number).strip()


def _callers(frame: FrameType | None) -> list[tuple[str, int]]:
    """(file, line) of each frame of user code from ``frame`` outwards, up to linearcli's
    own. (torch's module calls wrap every forward in a try that re-raises: not a try the
    model handles anything with.)"""
    found = []
    while frame is not None and not frame.f_code.co_filename.startswith(OWN_DIR):
        if is_user_code(frame.f_code.co_filename):
            found.append((frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return found


def _name(func: Any) -> str:
    name = str(getattr(func, "__name__", "") or "")
    return "matmul" if name == "__matmul__" else name


def _shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, torch.Tensor) and not value.is_nested:
        return tuple(value.shape)
    return None


def _sizes(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, ...]:
    """The sizes a view or reshape asked for: ``x.view(2, -1)``, ``x.view((2, -1))``,
    ``torch.reshape(x, (2, -1))``, ``x.reshape(shape=...)``."""
    if name not in VIEWS:
        return ()
    rest: Any = args[1:] or kwargs.get("shape") or kwargs.get("size") or ()
    if len(rest) == 1 and not isinstance(rest[0], int):
        rest = rest[0]
    try:
        return tuple(int(s) for s in rest)
    except (TypeError, ValueError):  # a dtype view: x.view(torch.int8)
        return ()


def _groups(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    if name not in CONVS and name not in CONV_TRANSPOSES:
        return 1
    groups = args[6] if len(args) > 6 else kwargs.get("groups", 1)
    return groups if isinstance(groups, int) else 1
