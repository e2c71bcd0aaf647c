"""The module hooks of the pass: what every nn.Linear saw, and who made its input.

Hooks are put on every module in one place and removed in ``finally``, and every
module's train/eval mode is restored, so the model is left as it was found (lazy
modules aside: running them is what materialises them). Hooks on the modules, not
global ones: torch's fast paths (TransformerEncoderLayer in eval) skip their
submodules unless a submodule has hooks. A Linear whose input has the wrong last axis
is given one of the right shape, so that every later layer is still checked; deciding
what is wrong, and how to say so, is diagnose's job.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import nn

from linearcli.guard import STOPS_THE_RUN
from linearcli.records import (
    ROOT_NAME,
    ForwardFailure,
    LinearCall,
    Made,
    Producer,
    Shape,
)
from linearcli.trace.linear_inputs import declared_transposed, direct_caller, repaired
from linearcli.trace.maps import features, is_quantized_linear, own_parameters
from linearcli.trace.ops import is_matrix
from linearcli.trace.outputs import first_tensor, is_dense, shape
from linearcli.trace.raised import forward_failure

MODEL_INPUT = Producer(name=None, type_name="input")


# Layers that take an input without a batch axis as one sample: torch allows it.
_TAKES_UNBATCHED = (nn.modules.conv._ConvNd, nn.RNNBase, nn.Linear)
# Activations whose gradient at 0 is 0 (torch's convention for ReLU): a layer whose
# outputs are all 0 gets no gradient through them.
_ZERO_SLOPE_AT_ZERO = (nn.ReLU, nn.ReLU6)


class Origin(NamedTuple):
    """Where a tensor came from: the module that decided its size, whether it is a conv or
    pool feature map, and whether that is known (the module's own output, passed through
    shape-preserving layers) or a guess (made by code in a forward(): the last module)."""

    producer: Producer | None
    feature_map: bool
    exact: bool


UNKNOWN = Origin(None, feature_map=False, exact=False)
# Modules whose output is a spatial feature map (batch, channels, *positions).
_FEATURE_MAP_MAKERS: tuple[type[nn.Module], ...] = (
    nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
    nn.LPPool1d, nn.LPPool2d, nn.FractionalMaxPool2d, nn.FractionalMaxPool3d,
    nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
    nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle,
)  # fmt: skip


class Recorder:
    """The hooks' shared state for one forward pass."""

    def __init__(self, model: nn.Module):
        self.named = [(name or ROOT_NAME, module) for name, module in model.named_modules()]
        self.names = {id(module): name for name, module in self.named}
        self.linears = [(name, m) for name, m in self.named if isinstance(m, nn.Linear)]
        # Every Linear's calls, and those of each module outside torch.nn holding a
        # ``weight`` matrix (transformers' Conv1D), kept if its forward applies it.
        owners = [m for _, m in self.linears] + [
            m
            for _, m in self.named
            if is_quantized_linear(m)
            or not type(m).__module__.startswith("torch.")
            and is_matrix(own_parameters(m).get("weight"))
        ]
        self.type_names = {id(module): type(module).__name__ for module in owners}  # as built
        self.calls: dict[int, list[LinearCall]] = {id(module): [] for module in owners}
        self.called: set[int] = set()
        # Asked of every module on every call, so answered once here.
        self.leaves = {id(m) for _, m in self.named if not any(True for _ in m.children())}
        self.map_makers = {id(m) for _, m in self.named if isinstance(m, _FEATURE_MAP_MAKERS)}
        self.producers: dict[int, Producer] = {}  # made after a module runs: LazyLinear
        # id(tensor) -> (weak reference, where it came from); the weak reference tells a
        # live entry from a freed tensor whose id was reused.
        self.origins: dict[int, tuple[weakref.ref[torch.Tensor], Origin]] = {}
        # The last leaf module that ran: who, its output's shape and strides, a feature map?
        self.last_leaf: tuple[Producer, Shape, tuple[int, ...], bool] | None = None
        # Linears whose own output a ReLU took: where a zero output gets no gradient back.
        self.rectified: set[str] = set()
        self.recovered = False
        self.unbatched: str | None = None  # a layer that took the model's input unbatched
        # On the watching pass: the call into torch that made a tensor (failed_op.py).
        self.provenance: Callable[[torch.Tensor], Made | None] | None = None

    def run(
        self,
        model: nn.Module,
        inputs: tuple[Any, ...],
        keywords: dict[str, Any],
        *,
        training: bool = False,
        stand_ins: dict[str, torch.Tensor] | None = None,
    ) -> tuple[Any, ForwardFailure | None]:
        """``stand_ins``: tensors the forward uses in place of the model's own parameters
        and buffers, by qualified name (torch.func.functional_call)."""
        for x in (*inputs, *keywords.values()):
            if is_dense(x):
                self.note(x, Origin(MODEL_INPUT, feature_map=False, exact=True))
        modes = [(module, module.training) for _, module in self.named]
        handles = []
        try:
            for _, module in self.named:
                if isinstance(module, torch.jit.ScriptModule):
                    continue  # TorchScript modules take no Python hooks; their parent's do
                if isinstance(module, nn.Linear):
                    handles.append(module.register_forward_pre_hook(self.before))
                handles.append(module.register_forward_hook(self.after))
            model.train(training)
            with torch.no_grad():
                try:
                    if stand_ins is not None:
                        return torch.func.functional_call(model, stand_ins, inputs, keywords), None
                    return model(*inputs, **keywords), None
                except STOPS_THE_RUN:
                    raise
                except BaseException as exc:  # sys.exit(), GeneratorExit in a forward() too
                    return None, forward_failure(
                        exc, model, self.names, self.recovered, self.provenance
                    )
        finally:
            for handle in handles:
                handle.remove()
            for module, training in modes:
                module.training = training

    def before(self, module: nn.Linear, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        self.called.add(id(module))
        x = args[0] if args else None
        if not is_dense(x):
            self.calls[id(module)].append(LinearCall(None, None, after_recovery=self.recovered))
            return None
        producer, feature_map, exact = self.origin(x)
        transposed = declared_transposed(module)
        made = call_line = None
        if self.provenance is not None:
            name = self.names[id(module)].rpartition(".")[2]
            made, call_line = self.provenance(x), direct_caller(sys._getframe(1), name)
        self.calls[id(module)].append(
            LinearCall(
                tuple(x.shape),
                None,
                producer,
                feature_map,
                self.recovered,
                exact,
                transposed,
                made,
                call_line,
            )
        )
        if transposed:
            return None  # F.linear raises; the watching pass says why (failed_op.py)
        # Checked before the Linear runs: it still sees the unflattened input, and the
        # finding is the same on every device.
        in_features = features(module)[0]
        if in_features > 0 and x.ndim >= 1 and x.shape[-1] != in_features:
            self.recovered = True
            return (repaired(x, in_features, feature_map), *args[1:])
        return None

    def after(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        x = args[0] if args and is_dense(args[0]) else None
        if id(module) in self.calls:
            self.called_back(module, x, output)
        made = first_tensor(output)  # attention and Hugging Face blocks return tuples
        if made is None:
            return
        if x is not None and self.unbatched is None and isinstance(module, _TAKES_UNBATCHED):
            self._unbatched(module, x)
        leaf = id(module) in self.leaves
        makes_maps = id(module) in self.map_makers
        producer: Producer | None
        exact = True
        if leaf and x is not None and x.shape == made.shape and id(module) not in self.calls:
            # ReLU, Dropout, LayerNorm...: the size was decided upstream, so credit that module.
            producer, feature_map, exact = self.origin(x)
            feature_map = feature_map or makes_maps
            if exact and producer is not None and producer.features is not None:
                if isinstance(module, _ZERO_SLOPE_AT_ZERO) and producer.name is not None:
                    self.rectified.add(producer.name)
        else:
            producer, feature_map = None, makes_maps
        if producer is None:
            producer, exact = self.produced_by(module), True
        self.note(made, Origin(producer, feature_map, exact))
        if leaf:
            self.last_leaf = (producer, tuple(made.shape), made.stride(), feature_map)

    def called_back(self, module: nn.Module, x: torch.Tensor | None, output: Any) -> None:
        """A Linear's call gets its output; another matrix owner's call is recorded whole."""
        calls = self.calls[id(module)]
        if isinstance(module, nn.Linear):
            last = calls[-1]  # (a constructor: dataclasses.replace costs more, per call)
            calls[-1] = LinearCall(
                last.input_shape,
                shape(output),
                last.producer,
                last.from_feature_map,
                last.after_recovery,
                last.producer_exact,
                last.weight_transposed,
                last.made,
                last.call_line,
            )
            return
        producer, feature_map, exact = self.origin(x) if x is not None else UNKNOWN
        calls.append(
            LinearCall(shape(x), shape(output), producer, feature_map, self.recovered, exact)
        )

    def _unbatched(self, module: nn.Module, x: torch.Tensor) -> None:
        """Note a layer that takes the model's input as one unbatched sample: a (C, H, W)
        image into a Conv2d, a (T, F) sequence into an LSTM, a (F,) vector into a Linear."""
        if isinstance(module, nn.modules.conv._ConvNd):
            axes = module.weight.ndim - 1
        else:
            axes = 2 if isinstance(module, nn.RNNBase) else 1
        if x.ndim == axes:
            producer, _, exact = self.origin(x)
            if exact and producer is not None and producer.name is None:
                self.unbatched = self.names[id(module)]

    def produced_by(self, module: nn.Module) -> Producer:
        producer = self.producers.get(id(module))
        if producer is None:
            sizes = features(module) if isinstance(module, nn.Linear) else None
            producer = Producer(self.names[id(module)], type(module).__name__, sizes)
            self.producers[id(module)] = producer
        return producer

    def note(self, tensor: torch.Tensor, origin: Origin) -> None:
        known = self.origins.get(id(tensor))
        if known is not None and known[0]() is tensor:
            return  # the innermost module made it; its container only passes it on
        self.origins[id(tensor)] = (weakref.ref(tensor), origin)

    def origin(self, x: torch.Tensor) -> Origin:
        known = self.origins.get(id(x))
        if known is not None and known[0]() is x:
            return known[1]
        if self.last_leaf is not None:
            # Made by code in a forward() (torch.sigmoid, x.view, x + residual): credit the
            # last module that ran, as a guess (not exact). It is still that module's
            # feature map only if laid out the same: x.permute(0, 2, 3, 1) of a
            # (N, 8, 8, 8) map has its shape, not its strides.
            producer, shape, strides, feature_map = self.last_leaf
            same = feature_map and shape == tuple(x.shape) and strides == x.stride()
            return Origin(producer, same, exact=False)
        return UNKNOWN
