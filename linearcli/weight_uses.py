"""Which nn.Linear weights the forward pass used without calling their module.

Swin's attention calls ``F.linear(x, self.qkv.weight, self.qkv.bias)``, Mamba's
``F.linear(dt, self.dt_proj.weight)``, nn.MultiheadAttention uses ``out_proj.weight``
inside one fused operation: the Linear never runs as a module, yet its weight is the
matrix of a linear map. Module hooks cannot see that; a ``TorchDispatchMode`` sees every
aten operation below the Python API (``F.linear`` arrives as ``t`` + ``addmm``, an
``einsum`` as permutes and a ``bmm``), inside TorchScript too, on every device.
Weights are known by identity; a view or copy of one (``.t()``, a slice, a cast) is
remembered as derived from it. The first use of each weight records the module whose
``forward`` made it, read from the Python stack. The mode is active only inside the
trace. (A ``TorchFunctionMode`` would see only the outermost call: never the ``linear``
inside ``F.multi_head_attention_forward``.)
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from linearcli.records import ROOT_NAME

aten = torch.ops.aten
# Operations whose output is (a view or a copy of) their first argument, rearranged.
_DERIVING = {
    aten.t, aten.transpose, aten.permute, aten.view, aten._unsafe_view, aten.reshape,
    aten._reshape_alias, aten.expand, aten.select, aten.slice, aten.narrow, aten.squeeze,
    aten.unsqueeze, aten.unbind, aten.split, aten.split_with_sizes, aten.chunk, aten.index,
    aten.index_select, aten._to_copy, aten.clone, aten.contiguous, aten.detach, aten.alias,
    aten.as_strided, aten.lift_fresh, aten.numpy_T, aten.mT, aten.flatten, aten.unflatten,
}  # fmt: skip
# Operations that apply a matrix: any tensor argument may be the weight.
_APPLYING = {
    aten.mm, aten.bmm, aten.matmul, aten.addmm, aten.baddbmm, aten.linear, aten.mv,
    aten.addmv, aten._grouped_mm, aten._native_multi_head_attention,
    aten._transformer_encoder_layer_fwd,
}  # fmt: skip


class WeightUses(TorchDispatchMode):  # type: ignore[no-untyped-call]
    """``used``: id of each watched weight an operation applied -> the module that did."""

    def __init__(self, weights: set[int], modules: dict[int, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.weights = weights
        self.modules = modules  # id(module) -> name
        self.derived: dict[int, tuple[weakref.ref[torch.Tensor], int]] = {}
        self.used: dict[int, str] = {}

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        if packet in _DERIVING:
            weight = self._weight_of(args[0]) if args else None
            if weight is not None:
                for tensor in out if isinstance(out, list | tuple) else (out,):
                    if isinstance(tensor, torch.Tensor):
                        self.derived[id(tensor)] = (weakref.ref(tensor), weight)
        elif packet in _APPLYING:
            for arg in args:
                weight = self._weight_of(arg)
                if weight is not None and weight not in self.used:
                    self.used[weight] = self._running_module()
        return out

    def _weight_of(self, value: Any) -> int | None:
        if not isinstance(value, torch.Tensor):
            return None
        if id(value) in self.weights:
            return id(value)
        known = self.derived.get(id(value))
        return known[1] if known is not None and known[0]() is value else None

    def _running_module(self) -> str:
        """The innermost module of the model whose forward is on the stack."""
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_name == "forward":
                owner = frame.f_locals.get("self")
                if owner is not None and id(owner) in self.modules:
                    return self.modules[id(owner)]
            frame = frame.f_back  # type: ignore[assignment]
        return ROOT_NAME
