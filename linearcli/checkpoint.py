"""A checkpoint that does not fit the model, in words: ``checkpoint-mismatch`` findings.

Pure: what the build recorded (names, shapes, lines) -> Diagnostics. No torch; the
recording is loads.py's, the reading of a --weights file weights_file.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from linearcli.report import Diagnostic, Shape, format_shape

SHOWN_NAMES = 4  # names a finding lists before "and N more"


@dataclass(frozen=True)
class TensorMismatch:
    name: str  # "fc.weight", as the inspected model names it
    checkpoint: Shape
    model: Shape


@dataclass(frozen=True)
class LayerMismatch:
    """The tensors of one module that one load could not take: one finding."""

    layer: str | None  # the module's name in the inspected model; None: a module outside it
    type_name: str  # "Linear" for nn.Linear and its subclasses, else the class name
    has_bias: bool
    tensors: tuple[TensorMismatch, ...]
    call: str | None  # "file:line" of the spec's load_state_dict call; None: --weights
    # "file:line" where the spec's code decided the model's size: the constructor call,
    # or the call further out whose argument that size comes from (SENet(reduction=16))
    size_line: str | None = None
    loaded_into: str | None = None  # with no layer: the class of the module loaded into


@dataclass(frozen=True)
class CheckpointFacts:
    mismatches: tuple[LayerMismatch, ...] = ()
    weights: str | None = None  # the --weights file
    missing: tuple[str, ...] = ()  # the model's tensors the file has no value for
    unexpected: tuple[str, ...] = ()  # the file's tensors the model has no place for
    model_tensors: int = 0  # how many the model has (parameters and persistent buffers)


def checkpoint_findings(
    facts: CheckpointFacts, sources: Mapping[str, str]
) -> tuple[Diagnostic, ...]:
    """One error per module a load could not fill; a warning each for the --weights
    file's missing and unexpected names."""
    found = [_mismatch(m, facts.weights, sources) for m in facts.mismatches]
    if facts.weights is not None and facts.missing:
        found.append(_missing(facts))
    if facts.weights is not None and facts.unexpected:
        found.append(_unexpected(facts))
    return tuple(found)


def _mismatch(m: LayerMismatch, weights: str | None, sources: Mapping[str, str]) -> Diagnostic:
    first, *rest = m.tensors
    where = "the checkpoint" if m.call else (weights or "the checkpoint")
    sizes = "".join(
        f", {t.name} {format_shape(t.checkpoint)} and {format_shape(t.model)}" for t in rest
    )
    message = (
        f"{first.name} is {format_shape(first.checkpoint)} in {where} and "
        f"{format_shape(first.model)} in the model{sizes}"
    )
    if m.call:
        message = (
            f"load_state_dict at {m.call} raises a size mismatch: {message} (linearcli "
            "loaded the tensors that fit and went on)"
        )
    name = m.layer or first.name.rpartition(".")[0] or m.type_name
    if m.layer is None:
        message += f"; the {m.loaded_into} it was loaded into is not part of the inspected model"
    source = m.size_line or (sources.get(m.layer) if m.layer else None) or m.call
    return Diagnostic("error", "checkpoint-mismatch", m.layer, message, _fix(m, name), source)


def _fix(m: LayerMismatch, name: str) -> str:
    weight = next((t for t in m.tensors if t.name.endswith("weight")), None)
    if m.type_name == "Linear" and weight and len(weight.checkpoint) == len(weight.model) == 2:
        bias = "" if m.has_bias else ", bias=False"
        wanted = _linear(weight.checkpoint, bias)
        kept = _linear(weight.model, bias)
        return (
            f"build {name} as {wanted} to load the checkpoint as it is; to keep {kept}, "
            f"replace {name} with it after loading"
        )
    shapes = " and ".join(f"{_last(t.name)} {format_shape(t.checkpoint)}" for t in m.tensors)
    return (
        f"build {name} with {shapes}, as the checkpoint has them, to load it as it is; "
        f"to keep its sizes, replace {name} after loading"
    )


def _linear(weight: Shape, bias: str) -> str:
    out_features, in_features = weight
    return f"nn.Linear({in_features}, {out_features}{bias})"


def _last(name: str) -> str:
    return name.rpartition(".")[2]


def _missing(facts: CheckpointFacts) -> Diagnostic:
    count = len(facts.missing)
    if count == facts.model_tensors:
        what = f"{facts.weights} has a value for none of the model's {count} tensors"
    else:
        what = (
            f"{facts.weights} has no value for {count} of the model's {facts.model_tensors} tensors"
        )
    return Diagnostic(
        "warning",
        "checkpoint-mismatch",
        None,
        f"{what} ({_names(facts.missing)}): they keep their initial values, and "
        "load_state_dict(strict=True) would raise",
        "load a checkpoint saved from this model; if these are meant to start untrained "
        "(a new head), load with strict=False",
        facts.weights,
    )


def _unexpected(facts: CheckpointFacts) -> Diagnostic:
    count = len(facts.unexpected)
    return Diagnostic(
        "warning",
        "checkpoint-mismatch",
        None,
        f"{facts.weights} has {count} tensor{'s' if count != 1 else ''} the model has no "
        f"place for ({_names(facts.unexpected)}): not loaded, and "
        "load_state_dict(strict=True) would raise",
        "check that the checkpoint is for this model (a layer renamed, a wrapper's prefix "
        "such as 'model.'), or leave these names out",
        facts.weights,
    )


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return f"{shown} and {more} more" if more > 0 else shown
