"""The torch operation that raised, with what it was given: a second pass after a failure.

A ``TorchFunctionMode`` sees every call into torch as the code wrote it (``x.view(-1,
320)``, ``F.linear(x, w)``, the ``F.conv1d`` inside ``nn.Conv1d.forward``) with its
arguments; it is off while a call runs, so only the outermost call is seen. Watching
every call costs Python on each, so this pass runs only after one failed.

From the call where the first pass failed on, a failing call of a kind linearcli
understands gets the output the fix would give, and the pass goes on, so the layers after
it are checked in the same run (a call that raises before that point is the model's to
catch, and is left alone): a view or reshape
gets the first size that holds its input (``op_fixes.view_fits``); ``F.linear`` or a
matmul on a weight the wrong way round, its transpose; ``F.linear`` with its input and
weight swapped, them in order; a convolution on channels-last data, the channels on
axis 1; a convolution or BatchNorm given other channels, zeros of the channels it was
built for. Any other failure raises as before, with its call recorded on the exception.
"""

from __future__ import annotations

import ast
import linecache
import sys
import weakref
from collections.abc import Callable
from dataclasses import replace
from types import FrameType
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from linearcli.frames import location, nearest_user_frame
from linearcli.op_fixes import CONV_TRANSPOSES, CONVS, MATMULS, NON_CONTIGUOUS, VIEWS, view_fits
from linearcli.records import ForwardFailure, Made, OpFailure
from linearcli.trace.hooks import Recorder, leave_op, op_of, printable
from linearcli.trace.ops import forward_owner


class FailedOps(TorchFunctionMode):
    """``repaired``: the calls that raised and were given an output to go on with."""

    def __init__(
        self, recorder: Recorder, parameters: dict[int, str], failed: ForwardFailure | None
    ) -> None:
        super().__init__()
        self.recorder = recorder
        self.parameters = parameters  # id(parameter) -> qualified name
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
            self.reached = self.reached or self._where_it_failed(failed)
            if not self.reached:
                leave_op(exc, failed)
                raise
            try:
                fixed = _repair(failed, func, args, kwargs)
            except Exception:  # the fix does not fit either: say what raised, no more
                fixed = None
            if fixed is None:
                leave_op(exc, failed)
                raise
            self.repaired.append(replace(failed, repaired=tuple(fixed.shape)))
            self.recorder.recovered = True
            out = fixed
        if isinstance(out, torch.Tensor) and not out.is_nested:
            line, code = _user_line(sys._getframe(1))
            if line is not None:
                self.made[id(out)] = (weakref.ref(out), Made(_name(func), line, code))
        return out

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
        line, code = _user_line(frame)
        x = args[0] if args else None
        producer = None
        if isinstance(x, torch.Tensor) and not x.is_nested:
            origin = self.recorder.origin(x)
            producer = origin.producer if origin.exact else None
        return OpFailure(
            op=name,
            module=forward_owner(frame, self.recorder.names),
            line=line,
            code=code,
            message=printable(exc).strip().splitlines()[0] if printable(exc).strip() else "",
            shapes=tuple(_shape(a) for a in args),
            parameters=tuple(
                self.parameters.get(id(a)) if isinstance(a, torch.Tensor) else None for a in args
            ),
            sizes=_sizes(name, args, kwargs),
            groups=_groups(name, args, kwargs),
            transposed_conv=name in CONV_TRANSPOSES,
            producer=producer,
        )


def _user_line(frame: FrameType | None) -> tuple[str | None, str]:
    """``file:line`` of the nearest user code from ``frame`` outwards, and its text."""
    frame = nearest_user_frame(frame)
    if frame is None:
        return None, ""
    filename, number = frame.f_code.co_filename, frame.f_lineno
    return location(filename, number), _statement(linecache.getline(filename, number))


def _statement(text: str) -> str:
    """A line's code as Python reads it: without its comment, where it parses alone."""
    try:
        return ast.unparse(ast.parse(text.strip()))
    except SyntaxError:
        return text.strip()


def _repair(
    failed: OpFailure, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> torch.Tensor | None:
    """The output the fix would give, or None where linearcli cannot say what it is."""
    x = args[0] if args else None
    if not isinstance(x, torch.Tensor) or x.is_nested:
        return None
    if failed.op in VIEWS:
        if NON_CONTIGUOUS in failed.message:
            return x.reshape(failed.sizes)
        fits = view_fits(tuple(x.shape), failed.sizes)
        return x.reshape(fits[0][0]) if fits else None
    if failed.op == "linear" and len(args) >= 2 and isinstance(args[1], torch.Tensor):
        w, bias = args[1], args[2] if len(args) > 2 else kwargs.get("bias")
        first, second = failed.parameters[0], failed.parameters[1]
        if first is not None and second is None:  # F.linear(weight, input): in order
            return F.linear(w, x, bias)
        if second is not None and w.ndim == 2 and x.shape[-1] == w.shape[0] != w.shape[1]:
            bias_fits = bias is None or bias.shape == (w.shape[1],)
            return F.linear(x, w.T, bias if bias_fits else None)
        return None
    if failed.op in MATMULS and len(args) >= 2 and failed.parameters[1:2] != (None,):
        w = args[1]
        if isinstance(w, torch.Tensor) and w.ndim == 2 and x.shape[-1] == w.shape[1]:
            return x @ w.T
        return None
    if (failed.op in CONVS or failed.op in CONV_TRANSPOSES) and len(args) >= 2:
        w = args[1]
        channels = w.shape[0] if failed.transposed_conv else w.shape[1] * failed.groups
        if x.ndim == w.ndim - 2 and channels == 1:
            return func(x.unsqueeze(0).unsqueeze(0), *args[1:], **kwargs)  # type: ignore[no-any-return]
        if x.ndim == w.ndim - 1 and channels == 1 and x.shape[0] != 1:
            return func(x.unsqueeze(1), *args[1:], **kwargs)  # type: ignore[no-any-return]
        if x.ndim != w.ndim or x.shape[1] == channels:
            return None
        moved = x.movedim(-1, 1) if x.shape[-1] == channels else _zeros(x, channels)
        return func(moved, *args[1:], **kwargs)  # type: ignore[no-any-return]
    if failed.op == "batch_norm":
        stats = args[1] if len(args) > 1 else kwargs.get("running_mean")
        if isinstance(stats, torch.Tensor) and stats.ndim == 1 and x.ndim >= 2:
            return func(_zeros(x, stats.shape[0]), *args[1:], **kwargs)  # type: ignore[no-any-return]
    return None


def _zeros(x: torch.Tensor, channels: int) -> torch.Tensor:
    return torch.zeros((x.shape[0], channels, *x.shape[2:]), dtype=x.dtype, device=x.device)


def _name(func: Any) -> str:
    name = str(getattr(func, "__name__", "") or "")
    return "matmul" if name in ("__matmul__", "__rmatmul__") else name


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
