"""Run a Python spec and find its model, its sample batch and where each module was written.

A Python spec is code: importing it runs it. This is the only place that does so.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import torch
from torch import nn

from linearcli import memory
from linearcli.build_fixes import build_fix
from linearcli.checkpoint import CheckpointFacts
from linearcli.errors import BuildError, SpecError
from linearcli.guard import STOPS_THE_RUN
from linearcli.loads import recording_loads
from linearcli.meta_limits import meta_cannot_run
from linearcli.records import INPUT_NAME
from linearcli.sites import Sites
from linearcli.spec import PythonSpec
from linearcli.spec.input_line import example_input_line


@dataclass(frozen=True)
class LoadedModel:
    model: nn.Module
    # (positional tensors, keyword inputs by name): example_input as the forward takes it
    example_input: tuple[tuple[torch.Tensor, ...], dict[str, Any]] | None
    # module name -> "file:line" of the statement that made it; a parameter's qualified
    # name ("fc.weight") -> the statement that last assigned it
    sources: Mapping[str, str]
    on_meta: bool  # made on the meta device: asked for, or ``fits`` said no
    # what load_state_dict calls in the spec (and a --weights file) could not fit
    checkpoint: CheckpointFacts = CheckpointFacts()


def load_python_model(
    spec: PythonSpec,
    model_args: Mapping[str, Any],
    *,
    meta: bool,
    fits: Callable[[nn.Module], bool] | None = None,
    weights: str | None = None,
) -> LoadedModel:
    """Import the spec and make its model, on the meta device when ``meta``.

    With ``fits``, a class or factory is first made on the meta device, where it costs
    nothing, and made for real only if ``fits`` accepts that model; otherwise the meta
    one is kept. (A model the file makes as it is imported has taken its memory by then.)
    The trial leaves the random number generator as it found it, so a seed gives the
    same weights either way. A ``load_state_dict`` whose only errors are size mismatches
    loads what fits and goes on (loads.py); ``weights`` is then compared and loaded too.
    """
    where = spec.path or spec.module or spec.reference
    sites = Sites(spec.path)
    with sites.recording(), recording_loads(sites.makers) as loads:
        module = _import(spec)
        name, target = _find_model(module, spec, where)
        model = None
        if fits is not None and not meta and not isinstance(target, nn.Module):
            before = loads.mark()
            trial = _trial_on_meta(name, target, model_args, where, spec.path)
            if trial is not None and not fits(trial):
                model, meta = trial, True
            else:
                loads.rewind(before)  # the model made for real loads its checkpoints again
        if model is None:
            with memory.constructing_on_meta() if meta else nullcontext():
                model = _made(name, target, model_args, where, spec.path, meta=meta)
        if weights is not None:
            loads.load_file(model, weights)
    example_input = _example_input(module, where, spec.path)
    if spec.path is not None:
        # Registered only while it ran; kept there, its globals (a model made at import)
        # would stay in memory for every later spec of a `check` run.
        sys.modules.pop(module.__name__, None)
    sources = sites.sources(model)
    input_line = example_input_line(spec.path) if spec.path is not None else None
    if input_line is not None:
        sources[INPUT_NAME] = f"{spec.path}:{input_line}"
    return LoadedModel(model, example_input, sources, on_meta=meta, checkpoint=loads.facts(model))


def _import(spec: PythonSpec) -> ModuleType:
    if spec.path is None:
        assert spec.module is not None
        try:
            return import_from_cwd(spec.module)
        except ModuleNotFoundError as exc:
            if exc.name and spec.module.startswith(exc.name):
                raise SpecError(f"cannot import module {spec.module!r}: {exc}") from None
            raise BuildError(f"importing {spec.module!r} raised {describe(exc)}") from None
        except Exception as exc:
            raise BuildError(f"importing {spec.module!r} raised {describe(exc)}") from None
    file = Path(spec.path).resolve()
    module_name = f"linearcli_spec_{file.stem}_{abs(hash(str(file)))}"
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module  # dataclasses look their module up as it runs
    sys.path.insert(0, str(file.parent))  # so the spec can import its neighbours
    try:
        module_spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise SpecError(f"syntax error: {exc.msg}", path=spec.path, line=exc.lineno) from None
    except STOPS_THE_RUN:
        raise
    except BaseException as exc:
        raise BuildError(
            f"importing the file raised {describe(exc)}",
            path=spec.path,
            line=_line_in(exc.__traceback__, spec.path),
        ) from None
    finally:
        sys.path.remove(str(file.parent))
    return module


def import_from_cwd(module_name: str) -> ModuleType:
    """Import as ``python -m`` would from here: the current directory comes first."""
    sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(module_name)
    finally:
        sys.path.remove(str(Path.cwd()))


def _find_model(module: ModuleType, spec: PythonSpec, where: str) -> tuple[str, object]:
    # vars(), not getattr(): a module-level __getattr__ is the spec's code, and may raise.
    defined = vars(module)
    if spec.name is not None:
        if spec.name not in defined:
            raise SpecError(f"defines no {spec.name!r}", path=where)
        return spec.name, defined[spec.name]
    if isinstance(defined.get("model"), nn.Module):
        return "model", defined["model"]
    if callable(defined.get("build_model")):
        return "build_model", defined["build_model"]
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, nn.Module)
        and value.__module__ == module.__name__
    ]
    if len(classes) == 1:
        return classes[0].__name__, classes[0]
    if not classes:
        raise SpecError(
            "no model found: define `model = <nn.Module>`, a `build_model()` function or one "
            "nn.Module subclass, or name one with FILE.py:NAME",
            path=where,
        )
    names = ", ".join(sorted(c.__name__ for c in classes))
    raise SpecError(
        f"{len(classes)} nn.Module subclasses ({names}); choose one with {where}:NAME", path=where
    )


def _instantiate(
    name: str, target: object, model_args: Mapping[str, Any], where: str, path: str | None
) -> nn.Module:
    if isinstance(target, nn.Module):
        if model_args:
            raise SpecError(
                f"{name!r} is an instance already; --arg applies to classes and factories",
                path=where,
            )
        return target
    if not callable(target):
        raise SpecError(
            f"{name!r} is a {type(target).__name__}, not an nn.Module, class or factory", path=where
        )
    try:
        model = target(**model_args)
    except STOPS_THE_RUN:
        raise
    except BaseException as exc:
        fix = build_fix(exc)
        hint = (
            f" (fix: {fix})"
            if fix is not None
            else " (pass constructor arguments with --arg KEY=VALUE)"
            if isinstance(exc, TypeError)
            else ""
        )
        raise BuildError(
            f"{name}({_kwargs(model_args)}) raised {describe(exc)}{hint}",
            path=where,
            line=_line_in(exc.__traceback__, path),
        ) from None
    if not isinstance(model, nn.Module):
        raise SpecError(f"{name}() returned a {type(model).__name__}, not an nn.Module", path=where)
    return model


def _made(
    name: str,
    target: object,
    model_args: Mapping[str, Any],
    where: str,
    path: str | None,
    *,
    meta: bool,
) -> nn.Module:
    """The model; on the meta device, a constructor that needs values says so."""
    try:
        return _instantiate(name, target, model_args, where, path)
    except BuildError as exc:
        if not meta or not meta_cannot_run(exc.message):
            raise
        raise BuildError(
            f"{exc.message}: making this model needs real values (quantizing reads the "
            "weights, say), which the meta device does not have; inspect it with --device cpu",
            path=exc.path,
            line=exc.line,
        ) from None


def _trial_on_meta(
    name: str, target: object, model_args: Mapping[str, Any], where: str, path: str | None
) -> nn.Module | None:
    """The model made on meta, or None where its code needs values (``.item()``, numpy)."""
    try:
        with torch.random.fork_rng(devices=[]), memory.constructing_on_meta():
            return _instantiate(name, target, model_args, where, path)
    except BuildError:
        return None  # made for real, without an estimate; a real error will show there


def _example_input(
    module: ModuleType, where: str, path: str | None
) -> tuple[tuple[torch.Tensor, ...], dict[str, Any]] | None:
    """A tensor, a tuple or list of tensors (positional), or a dict of keyword inputs
    (``input_ids=``, ``attention_mask=``; values other than tensors pass as they are),
    or a function returning one."""
    value = vars(module).get("example_input")
    if value is None:
        return None
    if callable(value) and not isinstance(value, torch.Tensor):
        try:
            value = value()
        except STOPS_THE_RUN:
            raise
        except BaseException as exc:
            raise BuildError(
                f"example_input() raised {describe(exc)}",
                path=where,
                line=_line_in(exc.__traceback__, path),
            ) from None
    if isinstance(value, torch.Tensor):
        return (value,), {}
    if (
        isinstance(value, tuple | list)
        and value
        and all(isinstance(v, torch.Tensor) for v in value)
    ):
        return tuple(value), {}
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and k.isidentifier() for k in value)
        and any(isinstance(v, torch.Tensor) for v in value.values())
    ):
        return (), dict(value)
    raise SpecError(
        "example_input must be a tensor, a tuple of tensors, a dict of keyword inputs "
        "(input_ids=...) holding a tensor, or a function returning one",
        path=where,
    )


def _line_in(tb: TracebackType | None, path: str | None) -> int | None:
    """The line of the deepest traceback frame that is in the spec file."""
    if path is None:
        return None
    target, line = str(Path(path).resolve()), None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe(exc: BaseException) -> str:
    from linearcli.guard import exit_message
    from linearcli.trace import printable

    if isinstance(exc, SystemExit):
        return f"SystemExit: the spec called {exit_message(exc)}"
    text = printable(exc).strip()
    message = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _kwargs(model_args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in model_args.items())
