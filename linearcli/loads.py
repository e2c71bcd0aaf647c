"""Checkpoints loaded while a spec builds its model, and a --weights file compared with it.

While a Python spec runs, ``nn.Module.load_state_dict`` is wrapped (and restored in
``finally``): a call that fails only with size mismatches loads every tensor that fits,
as PyTorch does before raising, records each mismatch and returns as if it had loaded,
so the model is still built and inspected. Anything else (missing keys under strict=True,
a spec that catches the error itself) goes exactly as PyTorch has it. A finding points at
the line whose number decided the size (makers.py).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import sys
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import torch
from torch import nn

from linearcli.call_sites import handles_errors
from linearcli.checkpoint import CheckpointFacts, LayerMismatch, TensorMismatch
from linearcli.frames import OWN_DIR, is_user_code
from linearcli.makers import Makers
from linearcli.records import ROOT_NAME
from linearcli.report import Shape


@dataclass(frozen=True)
class FileLoad:
    """A --weights file compared with the model by name."""

    path: str
    mismatches: Mapping[str, tuple[Shape, Shape]]  # name -> (file's shape, model's)
    missing: tuple[str, ...]  # the model's names the file lacks
    unexpected: tuple[str, ...]  # the file's names the model lacks
    model_tensors: int


@dataclass(frozen=True)
class _Resolved:
    module: nn.Module  # the module holding the tensor (or, not found, the one loaded into)
    into: nn.Module  # the module load_state_dict was called on
    layer: str | None  # its name in the inspected model ("" the model itself); None: not in it
    tensor: TensorMismatch
    call: str | None


@dataclass(frozen=True)
class _Mismatch:
    into: nn.Module  # the module load_state_dict was called on
    owner: nn.Module | None  # the one holding the tensor then (it may be replaced later)
    key: str  # relative to ``into``
    checkpoint: Shape
    model: Shape
    call: str | None  # "file:line" of the call; None: --weights


class Loads:
    """What one build's loads could not fit; ``facts`` names it after the model."""

    def __init__(self, makers: Makers) -> None:
        self.makers = makers
        self.mismatches: list[_Mismatch] = []
        self.file: FileLoad | None = None  # the --weights file's comparison

    def mark(self) -> int:
        return len(self.mismatches)

    def rewind(self, mark: int) -> None:
        """Forget what a model that was then discarded (a trial on meta) recorded."""
        del self.mismatches[mark:]

    def load_file(self, model: nn.Module, path: str) -> None:
        """Compare a --weights file with the model and load what fits."""
        from linearcli.weights_file import load_weights

        self.file = load_weights(model, path)
        self.mismatches += [
            _mismatch(model, k, shapes, None) for k, shapes in self.file.mismatches.items()
        ]

    def facts(self, model: nn.Module) -> CheckpointFacts:
        """Each mismatch under the inspected model's names (found by identity, so a
        load into a submodule is named from the top), one entry per module and load."""
        names: dict[int, str] = {}
        for name, module in model.named_modules():
            names.setdefault(id(module), name)
        groups: dict[tuple[str | None, object], list[_Resolved]] = {}
        for m in self.mismatches:
            prefix, _, attribute = m.key.rpartition(".")
            owner = m.owner
            if owner is not None and id(owner) in names:
                layer: str | None = names[id(owner)]
            elif id(m.into) in names:
                layer = ".".join(p for p in (names[id(m.into)], prefix) if p)
            else:
                layer = None  # loaded into a module the inspected model does not hold
            name = m.key if layer is None else ".".join(p for p in (layer, attribute) if p)
            module = owner if owner is not None else m.into
            tensor = TensorMismatch(name, m.checkpoint, m.model)
            resolved = _Resolved(module, m.into, layer, tensor, m.call)
            groups.setdefault((m.call, id(module) if layer is None else layer), []).append(resolved)
        layers = (self._layer(group) for group in groups.values())
        file = self.file
        return CheckpointFacts(
            mismatches=tuple(dict.fromkeys(layers)),
            weights=file.path if file else None,
            missing=file.missing if file else (),
            unexpected=file.unexpected if file else (),
            model_tensors=file.model_tensors if file else 0,
        )

    def _layer(self, group: list[_Resolved]) -> LayerMismatch:
        first = group[0]
        tensors = tuple(dict.fromkeys(r.tensor for r in group))
        return LayerMismatch(
            layer=None if first.layer is None else first.layer or ROOT_NAME,
            type_name=(
                "Linear" if isinstance(first.module, nn.Linear) else type(first.module).__name__
            ),
            has_bias=isinstance(getattr(first.module, "bias", None), torch.Tensor),
            tensors=tensors,
            call=first.call,
            loaded_into=None if first.layer is not None else type(first.into).__name__,
            size_line=self.makers.size_line(
                first.module,
                (
                    model
                    for t in tensors
                    for model, checkpoint in itertools.zip_longest(t.model, t.checkpoint)
                    if model is not None and model != checkpoint
                ),
            ),
        )


@contextmanager
def recording_loads(makers: Makers) -> Iterator[Loads]:
    """While a spec builds its model: what load_state_dict could not fit (``makers``:
    who made each module, noted by the loader's parameter registration hook)."""
    loads = Loads(makers)
    original = nn.Module.load_state_dict

    @functools.wraps(original)
    def load_state_dict(
        self: nn.Module, state_dict: Mapping[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return original(self, state_dict, *args, **kwargs)
        except RuntimeError as error:
            result = _without_mismatches(
                loads, original, sys._getframe(1), error, (self, state_dict, *args), kwargs
            )
            if result is None:
                raise
            return result

    nn.Module.load_state_dict = load_state_dict  # type: ignore[method-assign]
    try:
        yield loads
    finally:
        nn.Module.load_state_dict = original  # type: ignore[method-assign]


def _without_mismatches(
    loads: Loads,
    original: Any,
    frame: FrameType | None,
    error: RuntimeError,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """The load done again without the tensors torch called size mismatches, when those
    were its only errors and no user code around the call catches them; else None."""
    bound = inspect.signature(original).bind(*args, **kwargs)
    module, state_dict = bound.arguments["self"], bound.arguments["state_dict"]
    text = str(error)
    found = {
        key: shapes
        for key, shapes in size_mismatches(module.state_dict(keep_vars=True), state_dict).items()
        if f"size mismatch for {key}:" in text
    }
    callers = _callers(frame)
    # A try around the call, in the spec or in a library it calls, gets the error as is.
    if not found or handles_errors(callers):
        return None
    kept = OrderedDict((k, v) for k, v in state_dict.items() if k not in found)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        kept._metadata = metadata  # type: ignore[attr-defined]
    strict = bound.arguments.get("strict", True)
    bound.arguments.update(state_dict=kept, strict=False)
    try:
        result = original(*bound.args, **bound.kwargs)
    except RuntimeError:
        return None
    missing = [k for k in result.missing_keys if k not in found]
    if strict and (missing or result.unexpected_keys):
        return None
    user = [(file, line) for file, line in callers if is_user_code(file)]
    call = loads.makers.shown(*user[0]) if user else None
    loads.mismatches += [_mismatch(module, k, shapes, call) for k, shapes in found.items()]
    return type(result)(missing, list(result.unexpected_keys))


def _callers(frame: FrameType | None) -> list[tuple[str, int]]:
    """(file, line) of each frame from ``frame`` outwards, until linearcli's own."""
    found = []
    while frame is not None and not frame.f_code.co_filename.startswith(OWN_DIR):
        found.append((frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return found


def size_mismatches(
    own: Mapping[str, torch.Tensor], tensors: Mapping[str, Any]
) -> dict[str, tuple[Shape, Shape]]:
    """name -> (checkpoint shape, model shape), judged as torch's _load_from_state_dict
    judges: lazy parameters and a (1,) tensor for a 0-d one are no mismatch."""
    found = {}
    for key, value in tensors.items():
        target = own.get(key)
        if (
            target is None
            or not isinstance(value, torch.Tensor)
            or nn.parameter.is_lazy(target)
            or (target.dim() == 0 and tuple(value.shape) == (1,))
        ):
            continue
        if value.shape != target.shape:
            found[key] = (tuple(value.shape), tuple(target.shape))
    return found


def _mismatch(
    into: nn.Module, key: str, shapes: tuple[Shape, Shape], call: str | None
) -> _Mismatch:
    return _Mismatch(into, _submodule(into, key.rpartition(".")[0]), key, *shapes, call)


def _submodule(module: nn.Module, path: str) -> nn.Module | None:
    try:
        return module.get_submodule(path) if path else module
    except AttributeError:
        return None
