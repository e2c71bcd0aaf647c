"""A model's output: its first tensor, and every tensor by its place."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeGuard

import torch

from linearcli.records import Shape

_OUTPUT_DEPTH = 8  # nesting of tuples and dicts in a model's output, followed this deep


def is_dense(value: Any) -> TypeGuard[torch.Tensor]:
    """A tensor with one shape: not a nested (ragged) tensor, as nn.TransformerEncoder
    makes of a padded batch on its fast path, whose sizes cannot be asked for."""
    return isinstance(value, torch.Tensor) and not value.is_nested


def shape(value: Any) -> Shape | None:
    return tuple(value.shape) if is_dense(value) else None


def first_tensor(value: Any) -> torch.Tensor | None:
    """The first tensor in a model's output: a tensor, a tuple, a dict or a ModelOutput."""
    if is_dense(value):
        return value
    items = (
        value.values()
        if isinstance(value, dict)
        else value
        if isinstance(value, list | tuple)
        else ()
    )
    for item in items:
        found = first_tensor(item)
        if found is not None:
            return found
    return None


def named_tensors(value: Any, place: str, depth: int = 0) -> Iterator[tuple[str, Shape]]:
    """Every tensor in a model's output with its place: a key, an index, or a dotted path
    through nested tuples, lists, dicts and ModelOutputs ("" for a lone tensor)."""
    if isinstance(value, torch.Tensor):
        if is_dense(value):
            yield place, tuple(value.shape)
        return
    if depth > _OUTPUT_DEPTH:
        return
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield from named_tensors(item, f"{place}.{key}" if place else str(key), depth + 1)
