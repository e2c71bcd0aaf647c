"""ModelSpec -> (nn.Module, sample inputs) on a device, seeded."""

from __future__ import annotations

import difflib
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from linearcli import memory
from linearcli.checkpoint import CheckpointFacts
from linearcli.errors import BuildError, SpecError
from linearcli.guard import STOPS_THE_RUN
from linearcli.options import DEFAULT_BATCH_SIZE, DEVICE_CHOICES, MAX_SIZE, RunOptions
from linearcli.pymodel import describe, import_from_cwd, load_python_model
from linearcli.records import ROOT_NAME
from linearcli.report import format_bytes, format_shape
from linearcli.spec import (
    INTEGER_DTYPES,
    LayerInit,
    LayerSpec,
    ModelSpec,
    PythonSpec,
    YamlSpec,
)

_DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
}
_NN_PREFIXES = ("torch.nn.", "nn.")
MAX_VALUES = 2**62  # elements in one tensor; torch counts them in an int64


@dataclass(frozen=True)
class Built:
    model: nn.Module
    inputs: tuple[Any, ...]
    # module name -> "path:line" where it was written; parameter name -> where assigned
    sources: Mapping[str, str]
    inits: Mapping[str, LayerInit] = field(default_factory=dict)  # module name -> spec's init:
    notes: tuple[str, ...] = ()  # said once on stderr and as info findings (meta-fallback)
    keywords: Mapping[str, Any] = field(default_factory=dict)  # a Python spec's, by name
    checkpoint: CheckpointFacts = CheckpointFacts()  # what a load could not fit (loads.py)


def build(spec: ModelSpec, options: RunOptions) -> Built:
    device = resolve_device(options.device)
    torch.manual_seed(options.seed)
    if isinstance(spec, YamlSpec):
        built = _build_yaml(spec, options, device)
    else:
        built = _build_python(spec, options, device)
    return replace(built, sources=_inherit_sources(built.model, built.sources))


def _inherit_sources(model: nn.Module, sources: Mapping[str, str]) -> dict[str, str]:
    """A module with no line of its own was written where its nearest ancestor was.

    The Linears inside a TransformerEncoderLayer come from that layer's YAML entry;
    ``named_modules`` lists parents first, so one pass sees every parent's answer.
    """
    # A parameter's line (``fc.weight``: where it was last assigned) is kept as it is.
    modules = {name or ROOT_NAME for name, _ in model.named_modules()}
    inherited = {key: line for key, line in sources.items() if key not in modules}
    for name, _ in model.named_modules():
        key = name or ROOT_NAME
        parent = name.rpartition(".")[0] or ROOT_NAME
        source = sources.get(key) or (inherited.get(parent) if name else None)
        if source is not None:
            inherited[key] = source
    return inherited


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise BuildError(f"unknown device {name!r}; expected {DEVICE_CHOICES}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise BuildError(
                f"device {name!r} is not available: torch {torch.__version__} sees no CUDA device"
            )
        index = device.index or 0
        if index >= torch.cuda.device_count():
            raise BuildError(
                f"device {name!r} is not available: {torch.cuda.device_count()} CUDA device(s)"
            )
        return torch.device("cuda", index)
    if device.type in ("cpu", "meta"):
        return device
    # Another accelerator torch knows (mps, xpu, ...): usable when its backend says so.
    backend = getattr(torch, device.type, None)
    is_available = getattr(backend, "is_available", None)
    if not callable(is_available):
        raise BuildError(f"unsupported device {name!r}; expected {DEVICE_CHOICES}")
    if not is_available():
        raise BuildError(
            f"device {name!r} is not available: torch {torch.__version__} has no "
            f"{device.type} device on this machine"
        )
    return device


def _build_yaml(spec: YamlSpec, options: RunOptions, device: torch.device) -> Built:
    if options.model_args:
        raise SpecError("--arg applies to Python specs only", path=spec.path)
    float_dtype = options.dtype or (
        spec.input.dtype if spec.input and spec.input.dtype not in (None, *INTEGER_DTYPES) else None
    )
    dtype = _DTYPES[float_dtype or "float32"]
    named = list(_named_layers(spec.layers))
    sources = {name: f"{spec.path}:{layer.line}" for name, layer in named}
    inits = {name: layer.init for name, layer in named if layer.init is not None}
    plan = _input_plan(spec, options, dtype)
    # On the meta device first: it costs nothing and says what the real model would.
    model = _yaml_model(spec, options, torch.device("meta"), dtype)
    notes: tuple[str, ...] = ()
    if device.type != "meta":
        batch = sum(math.prod(s) * d.itemsize for s, d, _ in plan)
        note = _over_budget(memory.model_bytes(model) + batch, options, device)
        if note is not None:
            notes, device = (note,), torch.device("meta")
        else:
            model = _yaml_model(spec, options, device, dtype)
    checkpoint = CheckpointFacts()
    if options.weights is not None:
        from linearcli.loads import Loads
        from linearcli.makers import Makers

        loads = Loads(Makers(None))
        loads.load_file(model, options.weights)
        checkpoint = loads.facts(model)
    generator = _generator(options)
    inputs = tuple(_sample(shape, kind, high, device, generator) for shape, kind, high in plan)
    return Built(
        model=model,
        inputs=inputs,
        sources=sources,
        inits=inits,
        notes=notes,
        checkpoint=checkpoint,
    )


def _over_budget(needed: int, options: RunOptions, device: torch.device) -> str | None:
    """Why the model goes to the meta device instead, or None when it fits the budget."""
    budget = options.max_memory or memory.default_budget(device)
    if needed <= budget:
        return None
    return (
        f"the model and its sample batch need {format_bytes(needed)}, more than the "
        f"{format_bytes(budget)} budget (--max-memory): inspected on the meta device, "
        "where shapes, counts and findings are exact but there are no values"
    )


def _yaml_model(
    spec: YamlSpec, options: RunOptions, device: torch.device, dtype: torch.dtype
) -> nn.Module:
    """Seeded; built on the CPU and moved, so one seed gives the same weights on every device."""
    torch.manual_seed(options.seed)
    with memory.constructing_on_meta() if device.type == "meta" else nullcontext():
        layers = OrderedDict(
            (layer.name, _make_layer(layer, spec.path, options.allow_imports))
            for layer in spec.layers
        )
    return nn.Sequential(layers).to(device=device, dtype=dtype)


def _input_plan(
    spec: YamlSpec, options: RunOptions, dtype: torch.dtype
) -> list[tuple[tuple[int, ...], torch.dtype, int | None]]:
    """(full shape, dtype, high for integer ids) of each sample input."""
    if options.input_shapes:  # they replace the spec's whole input, its batch_size too
        batch_size = options.made_batch_size
        return [
            (_batch_shape(batch_size, shape), *_given_kind(options, index, dtype))
            for index, shape in enumerate(options.input_shapes)
        ]
    batch_size = (
        options.batch_size
        or options.default_batch_size
        or (spec.input and spec.input.batch_size)
        or DEFAULT_BATCH_SIZE
    )
    if spec.input is None:
        raise SpecError(
            "no sample batch: add `input: {shape: [...]}` to the spec "
            "(or give `linearcli inspect` an --input-shape)",
            path=spec.path,
        )
    shape = _batch_shape(batch_size, spec.input.shape, spec.path)
    if spec.input.dtype in INTEGER_DTYPES:
        return [(shape, _DTYPES[spec.input.dtype], spec.input.high)]
    return [(shape, dtype, None)]


def _batch_shape(
    batch_size: int, shape: tuple[int, ...], path: str | None = None
) -> tuple[int, ...]:
    """(batch, *shape), refused when no tensor can hold that many values (even on meta)."""
    full = (batch_size, *shape)
    if math.prod(full) > MAX_VALUES:
        raise SpecError(
            f"a sample batch of shape {format_shape(full)} has more than 2^62 values; "
            "no tensor can hold it",
            path=path,
        )
    return full


def _sample(
    shape: tuple[int, ...],
    dtype: torch.dtype,
    high: int | None,
    device: torch.device,
    generator: torch.Generator,
) -> torch.Tensor:
    """Drawn on the CPU and moved, so one seed gives the same batch on every device."""
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    if high is not None:
        return torch.randint(0, high, shape, generator=generator, dtype=dtype).to(device)
    return torch.randn(shape, generator=generator).to(device=device, dtype=dtype)


def _make_layer(layer: LayerSpec, path: str, allow_imports: bool) -> nn.Module:
    if layer.children:
        return nn.Sequential(
            OrderedDict((c.name, _make_layer(c, path, allow_imports)) for c in layer.children)
        )
    layer_type = resolve_layer_type(layer.type_name, path, layer.line, allow_imports=allow_imports)
    _refuse_absurd_sizes(layer, layer_type, path)
    try:
        module = layer_type(*layer.args, **layer.kwargs)
    except STOPS_THE_RUN:
        raise
    except BaseException as exc:  # the constructor's own message is the most precise one
        call = ", ".join([*map(repr, layer.args), *(f"{k}={v!r}" for k, v in layer.kwargs.items())])
        raise BuildError(
            f"layer {layer.name!r}: {layer.type_name}({call}) failed: {type(exc).__name__}: {exc}",
            path=path,
            line=layer.line,
        ) from None
    if layer.init is not None:
        _initialise(module, layer, layer.init, path)
    return module


def _refuse_absurd_sizes(layer: LayerSpec, layer_type: Any, path: str) -> None:
    """A size no layer can have is refused before a constructor tries to allocate it; so
    is a Linear's size written ``true`` (Python would take it for 1)."""
    if isinstance(layer_type, type) and issubclass(layer_type, nn.Linear):
        sizes = dict(zip(("in_features", "out_features"), layer.args, strict=False))
        for name in ("in_features", "out_features"):
            value = layer.kwargs.get(name, sizes.get(name))
            if isinstance(value, bool):
                raise SpecError(
                    f"layer {layer.name!r}: {name} must be a whole number, "
                    f"not {str(value).lower()}",
                    path=path,
                    line=layer.line,
                )
    values = [*layer.args, *layer.kwargs.values()]
    while values:
        value = values.pop()
        if isinstance(value, list | tuple):
            values.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise SpecError(
                f"layer {layer.name!r}: {layer.type_name} argument {value:,} is beyond any "
                f"real size (the limit is 2^31 = {MAX_SIZE:,})",
                path=path,
                line=layer.line,
            )


def _initialise(module: nn.Module, layer: LayerSpec, init: LayerInit, path: str) -> None:
    """Apply a spec's ``init:`` right after construction, so --seed governs it too."""
    for param_name, scheme in (("weight", init.weight), ("bias", init.bias)):
        if scheme is None:
            continue
        param = getattr(module, param_name, None)
        if not isinstance(param, torch.Tensor):
            raise SpecError(
                f"layer {layer.name!r} ({layer.type_name}) has no {param_name} to initialise",
                path=path,
                line=scheme.line,
            )
        try:
            getattr(nn.init, scheme.name)(param, **scheme.kwargs)
        except Exception as exc:
            raise SpecError(
                f"init {scheme.describe()} of {layer.name}.{param_name} failed: "
                f"{type(exc).__name__}: {exc}",
                path=path,
                line=scheme.line,
            ) from None


def resolve_layer_type(
    type_name: str, path: str, line: int, *, allow_imports: bool = False
) -> type[nn.Module]:
    name = type_name
    for prefix in _NN_PREFIXES:
        name = name.removeprefix(prefix)
    if "." in name:
        candidate = _imported(name, path, line, allow_imports)
    else:
        candidate = getattr(nn, name, None)
        if candidate is None:
            close = difflib.get_close_matches(name, _nn_layer_names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"unknown layer type {type_name!r}{hint}", path=path, line=line)
    if isinstance(candidate, type) and issubclass(candidate, nn.Module):
        return candidate
    raise SpecError(
        f"not a layer type {type_name!r}: not an nn.Module subclass", path=path, line=line
    )


def _imported(dotted: str, path: str, line: int, allow_imports: bool) -> object:
    """A layer type outside torch.nn: importing it runs code, so only when allowed."""
    if not allow_imports:
        raise SpecError(
            f"layer type {dotted!r} is not in torch.nn; importing it runs its code, so it needs "
            "--allow-imports (or allow-imports = true in [tool.linearcli])",
            path=path,
            line=line,
        )
    module_name, _, attribute = dotted.rpartition(".")
    try:
        module = import_from_cwd(module_name)
    except ImportError as exc:
        raise SpecError(
            f"cannot import {module_name!r} for layer type {dotted!r}: {exc}", path=path, line=line
        ) from None
    except STOPS_THE_RUN:
        raise
    except BaseException as exc:
        raise BuildError(
            f"importing {module_name!r} for layer type {dotted!r} raised {describe(exc)}",
            path=path,
            line=line,
        ) from None
    if not hasattr(module, attribute):
        raise SpecError(
            f"unknown layer type {dotted!r}: {module_name} has no {attribute!r}",
            path=path,
            line=line,
        )
    return getattr(module, attribute)


def _nn_layer_names() -> list[str]:
    return [
        n
        for n in dir(nn)
        if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)
    ]


def _named_layers(layers: Iterable[LayerSpec], prefix: str = "") -> Iterable[tuple[str, LayerSpec]]:
    """Every layer of a YAML spec under the module name it gets: block.0, block.1, ..."""
    for layer in layers:
        name = f"{prefix}{layer.name}"
        yield name, layer
        yield from _named_layers(layer.children, prefix=f"{name}.")


def _build_python(spec: PythonSpec, options: RunOptions, device: torch.device) -> Built:
    notes: list[str] = []

    def fits(trial: nn.Module) -> bool:
        """The meta model, at the dtype asked for, and a batch of --input-shape."""
        if options.dtype is not None:
            trial = trial.to(dtype=_DTYPES[options.dtype])  # on meta: free
        batch = sum(
            math.prod(_batch_shape(options.made_batch_size, shape, spec.reference))
            for shape in options.input_shapes
        )
        needed = memory.model_bytes(trial) + batch * _float_dtype(trial).itemsize
        note = _over_budget(needed, options, device)
        if note is not None:
            notes.append(note)
        return note is None

    checked = fits if device.type != "meta" else None
    loaded = load_python_model(
        spec,
        options.model_args,
        meta=device.type == "meta",
        fits=checked,
        weights=options.weights,
    )
    if loaded.on_meta:
        device = torch.device("meta")
    model = loaded.model
    if options.dtype is not None:
        model = model.to(dtype=_DTYPES[options.dtype])
    model = model.to(device=device)
    dtype = _float_dtype(model)
    location = spec.path or spec.module
    keywords: dict[str, Any] = {}
    if options.input_shapes:
        inputs = _random_inputs(options.input_shapes, options, dtype, device)
    elif loaded.example_input is not None:
        if options.batch_size is not None:
            raise SpecError(
                "--batch-size needs --input-shape: example_input already fixes the batch",
                path=location,
            )
        given, keywords = loaded.example_input
        inputs = tuple(_to_run(t, device, dtype) for t in given)
        keywords = {k: _to_run(v, device, dtype) for k, v in keywords.items()}
    else:
        raise SpecError(
            "no sample batch: define `example_input` in the file, or give one sample's shape: "
            f"`linearcli inspect {spec.reference} -i 784` or, for `linearcli check`, "
            f'"{spec.path or spec.reference}" = [784] in [tool.linearcli.inputs]',
            path=location,
        )
    return Built(
        model=model,
        inputs=inputs,
        sources=loaded.sources,
        notes=tuple(notes),
        keywords=keywords,
        checkpoint=loaded.checkpoint,
    )


def _float_dtype(model: nn.Module) -> torch.dtype:
    """What a sample batch for this model is made of: its first floating parameter's."""
    return next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)


def _random_inputs(
    shapes: Iterable[tuple[int, ...]], options: RunOptions, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, ...]:
    generator = _generator(options)
    return tuple(
        _sample(
            _batch_shape(options.made_batch_size, shape),
            *_given_kind(options, index, dtype),
            device,
            generator,
        )
        for index, shape in enumerate(shapes)
    )


def _given_kind(
    options: RunOptions, index: int, float_dtype: torch.dtype
) -> tuple[torch.dtype, int | None]:
    """The dtype (and integer bound) -i gave this input; else the run's floating dtype."""
    kind = options.input_kind(index)
    return (_DTYPES[kind.dtype] if kind.dtype else float_dtype), kind.high


def _to_run(value: Any, device: torch.device, dtype: torch.dtype) -> Any:
    """A tensor on the run's device (a floating one at its dtype); another value as is."""
    if not isinstance(value, torch.Tensor):
        return value
    if value.is_floating_point():
        return value.to(device=device, dtype=dtype)
    return value.to(device=device)


def _generator(options: RunOptions) -> torch.Generator:
    return torch.Generator().manual_seed(options.seed)
