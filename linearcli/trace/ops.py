"""Which weights the forward pass applied as the matrix of a linear map, and where.

Swin's attention calls ``F.linear(x, self.qkv.weight, self.qkv.bias)``, Mamba's
``F.linear(dt, self.dt_proj.weight)``, nn.MultiheadAttention applies ``out_proj.weight``
inside one fused operation, transformers' Conv1D runs ``torch.addmm(b, x, self.weight)``
on a weight stored (in, out): no nn.Linear runs, yet each weight is a linear map. Module
hooks cannot see that; a ``TorchDispatchMode`` sees every aten operation below the
Python API (``F.linear`` arrives as ``t`` + ``addmm``, an ``einsum`` as permutes and a
``bmm``), inside TorchScript too, on every device. (A ``TorchFunctionMode`` would see
only the outermost call: never the ``linear`` inside ``F.multi_head_attention_forward``.)

Weights are known by identity; a view or copy of one (``.t()``, a slice, a cast) is
remembered as derived from it, so the matrix as applied gives in and out the right way
round. The first use of each weight records the module whose ``forward`` made it, read
from the Python stack.

Watching every operation costs about 13 µs each on a CPU, several times a small model's
forward pass. The mode is on for the whole pass except inside torch.nn's own leaf
modules (``quiet_modules``): their operations are known, and a Linear's call is seen by
its hooks. A model of plain Linears pays little; a model's own code is watched.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeGuard

import torch
from torch import nn
from torch.nn.parameter import is_lazy
from torch.utils._python_dispatch import TorchDispatchMode, _get_current_dispatch_mode

from linearcli.frames import is_user_code, location
from linearcli.records import ROOT_NAME, MapUse

aten = torch.ops.aten
# Operations whose output is (a view or a copy of) their first argument, rearranged.
_DERIVING = {
    aten.t, aten.transpose, aten.permute, aten.view, aten._unsafe_view, aten.reshape,
    aten._reshape_alias, aten.expand, aten.select, aten.slice, aten.narrow, aten.squeeze,
    aten.unsqueeze, aten.unbind, aten.split, aten.split_with_sizes, aten.chunk, aten.index,
    aten.index_select, aten._to_copy, aten.clone, aten.contiguous, aten.detach, aten.alias,
    aten.as_strided, aten.lift_fresh, aten.numpy_T, aten.mT, aten.flatten, aten.unflatten,
}  # fmt: skip
# Operations that apply a matrix: where the matrix on the left (y = M x, M as (out, in))
# and the one on the right (y = x M, M as (in, out)) are among the arguments.
_APPLYING: dict[Any, tuple[int | None, int | None]] = {
    aten.mm: (0, 1), aten.bmm: (0, 1), aten.matmul: (0, 1), aten._grouped_mm: (0, 1),
    aten.addmm: (1, 2), aten.baddbmm: (1, 2), aten.mv: (0, None), aten.addmv: (1, None),
    aten.linear: (1, None),
}  # fmt: skip
# Fused operations taking their weights as nn.Linear keeps them, (out, in).
_FUSED = {aten._native_multi_head_attention, aten._transformer_encoder_layer_fwd}
# torch.nn's modules whose fast paths apply their Linears' weights without calling them.
FUSED_MODULES: tuple[type[nn.Module], ...] = (nn.MultiheadAttention, nn.TransformerEncoderLayer)


_SITES = 8  # uses recorded per weight: a weight applied at every step of a loop says so once

# Operations that may swap a matrix's last two axes (see _swaps).
_SWAPPING = {aten.t, aten.mT, aten.numpy_T, aten.transpose, aten.permute}


@dataclass(frozen=True)
class Use:
    """A weight's first use as a matrix: which module's forward, and whether the weight is
    kept (in, out), applied from the right (``x @ W``), as transformers' Conv1D keeps it."""

    module: str
    stored_in_out: bool = False


class WeightUses(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """``used``: id of each watched weight an operation applied -> its first ``Use``."""

    def __init__(self, weights: Iterable[torch.Tensor], modules: dict[int, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.weights = {id(w) for w in weights}
        self.modules = modules  # id(module) -> name
        # id(view or copy) -> (weak reference, id of its weight, last two axes swapped)
        self.derived: dict[int, tuple[weakref.ref[torch.Tensor], int, bool]] = {}
        self.used: dict[int, Use] = {}
        self.sites: dict[int, list[MapUse]] = {}  # every use, up to _SITES per weight
        self._quieted = 0  # depth of quiet modules' forwards now running
        self._quieting: list[bool] = []  # per quiet module running: whether it quieted

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        if packet in _DERIVING:
            weight, swapped = self._weight_of(args[0]) if args else (None, False)
            if weight is not None:
                swapped ^= packet in _SWAPPING and _swaps(packet, args)
                for tensor in out if isinstance(out, list | tuple) else (out,):
                    if isinstance(tensor, torch.Tensor):
                        self.derived[id(tensor)] = (weakref.ref(tensor), weight, swapped)
        elif packet in _APPLYING:
            left, right = _APPLYING[packet]
            self._note(packet, args, out, left, other=right, right=False)
            self._note(packet, args, out, right, other=left, right=True)
        elif packet in _FUSED:
            for place in range(len(args)):
                self._note(packet, args, out, place, other=0, right=False)
        return out

    def _note(
        self,
        packet: Any,
        args: tuple[Any, ...],
        out: Any,
        place: int | None,
        *,
        other: int | None,
        right: bool,
    ) -> None:
        if place is None or place >= len(args):
            return
        matrix = args[place]
        weight, swapped = self._weight_of(matrix)
        if weight is None or matrix.ndim < 2:
            return
        sites = self.sites.setdefault(weight, [])
        if len(sites) >= _SITES:
            return
        module, line = self._caller()
        x = args[other] if other is not None and other < len(args) else None
        result = out[0] if isinstance(out, list | tuple) and out else out
        sites.append(MapUse(module, packet.__name__, _shape_of(x), _shape_of(result), line))
        if weight not in self.used:
            self.used[weight] = Use(module, right != swapped)

    def _weight_of(self, value: Any) -> tuple[int | None, bool]:
        """The watched weight this tensor is, or was derived from, and whether its last
        two axes are the weight's swapped."""
        if not isinstance(value, torch.Tensor):
            return None, False
        if id(value) in self.weights:
            return id(value), False
        known = self.derived.get(id(value))
        if known is None or known[0]() is not value:
            return None, False
        return known[1], known[2]

    def _caller(self) -> tuple[str, str | None]:
        """The innermost module of the model whose forward is on the stack, and the line
        of code outside torch that made the call (``file:line``)."""
        frame: FrameType | None = sys._getframe(2)
        line = None
        while frame is not None:
            code = frame.f_code
            if line is None and is_user_code(code.co_filename):
                line = location(code.co_filename, frame.f_lineno)
            owner = _owner(frame, self.modules)
            if owner is not None:
                return owner, line
            frame = frame.f_back
        return ROOT_NAME, line

    @contextmanager
    def quiet_inside(self, modules: Iterable[nn.Module]) -> Iterator[WeightUses]:
        """Watch the whole pass except inside these modules' forwards (torch.nn's own
        leaves, whose operations are known: a Linear's call is recorded by its hooks)."""
        handles = []
        try:
            for module in modules:
                handles.append(module.register_forward_pre_hook(self._quiet))
                handles.append(module.register_forward_hook(self._resume, always_call=True))
            with self:
                try:
                    yield self
                finally:
                    while self._quieting:  # a forward that neither returned nor raised
                        self._resume()
        finally:
            for handle in handles:
                handle.remove()

    def _quiet(self, *_: Any) -> None:
        # Only this mode, on top, is popped: a mode the model pushed itself stays, and
        # this one keeps watching under it (its cost, nothing worse).
        quiets = bool(self._quieted) or _get_current_dispatch_mode() is self
        self._quieting.append(quiets)
        if quiets:
            if not self._quieted:
                self.__exit__(None, None, None)  # type: ignore[no-untyped-call]
            self._quieted += 1

    def _resume(self, *_: Any) -> None:
        if not (self._quieting and self._quieting.pop()):
            return
        self._quieted -= 1
        if not self._quieted:
            self.__enter__()  # type: ignore[no-untyped-call]


def forward_owner(frame: FrameType | None, modules: dict[int, str]) -> str:
    """The innermost module of the model (``modules``: id -> name) whose forward is on
    the stack from ``frame`` outwards; the model itself where none is."""
    while frame is not None:
        owner = _owner(frame, modules)
        if owner is not None:
            return owner
        frame = frame.f_back
    return ROOT_NAME


def _owner(frame: FrameType, modules: dict[int, str]) -> str | None:
    """The module whose forward this frame runs, if it is one of the model's."""
    if frame.f_code.co_name != "forward":
        return None
    module = frame.f_locals.get("self")
    return modules.get(id(module)) if module is not None else None


def _shape_of(value: Any) -> tuple[int, ...] | None:
    """A tensor's shape; none for a nested tensor (ragged: the fast path of
    nn.TransformerEncoder with a padding mask), which has no single shape."""
    if not isinstance(value, torch.Tensor) or value.is_nested:
        return None
    return tuple(value.shape)


def _swaps(packet: Any, args: tuple[Any, ...]) -> bool:
    """Whether t, transpose or permute swaps the last two axes of ``args[0]``."""
    ndim = args[0].ndim
    if packet is aten.transpose:
        return {args[1] % ndim, args[2] % ndim} == {ndim - 2, ndim - 1} if ndim >= 2 else False
    if packet is aten.permute:
        dims = [d % ndim for d in args[1]]
        return ndim >= 2 and dims[-2:] == [ndim - 1, ndim - 2]
    return True  # t, mT, numpy_T


def is_matrix(value: object) -> TypeGuard[torch.Tensor]:
    """A parameter with values of two axes or more (not one still waiting to be sized)."""
    return isinstance(value, torch.Tensor) and not is_lazy(value) and value.ndim >= 2


# torch.nn's layers whose matrices their own forwards apply by other means than a linear
# map (convolutions, recurrences); a model holding no other matrix outside nn.Linear is
# not watched.
_KNOWN_HOLDERS: tuple[type[nn.Module], ...] = (
    nn.Linear, nn.modules.conv._ConvNd, nn.RNNBase, nn.Bilinear,
)  # fmt: skip


def needs_watching(named: Iterable[tuple[str, nn.Module]]) -> bool:
    """Whether a module other than those above holds a matrix: an embedding (maybe a tied
    head), a Conv1D, attention's packed weights, an expert bank, TorchScript, a model's own
    parameter. Watching costs Python on every operation; a model without one pays none."""
    return any(
        isinstance(module, torch.jit.ScriptModule)
        or (
            not isinstance(module, _KNOWN_HOLDERS)
            and any(is_matrix(p) for p in dict(module._parameters.items()).values())
        )
        for _, module in named
    )


def quiet_modules(modules: Iterable[nn.Module]) -> list[nn.Module]:
    """torch.nn's own modules without children, whose forwards apply no weight but their
    own nn.Linear's (hooks see those calls) or none; torch's fused attention is watched."""
    return [
        m
        for m in modules
        if type(m).__module__.startswith("torch.nn.")
        and not isinstance(m, FUSED_MODULES)
        and not any(True for _ in m.children())
    ]
