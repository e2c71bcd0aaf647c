"""YAML text to YAML nodes: fast where libyaml is installed, and safe on hostile text.

PyYAML's libyaml loader is about twenty times faster than its pure-Python one, but its
composer recurses in C: nesting 100,000 levels deep crashes the interpreter. So the
nesting is first measured on the parser's event stream, which is flat, stopping at the
first level too deep; only then are the nodes composed. Control characters are refused
here too, with their line, the same way whichever loader PyYAML has.

libyaml also has limits and wording of its own, which change between its releases (the
libyaml 0.2.6 that PyYAML 6.0.4 bundles refuses nesting past 1,000 levels, while it scans
ahead, before a single event reaches the depth check). So libyaml only ever answers
"here are the nodes": when it refuses a text, the pure-Python parser reads it again and
its answer, limit, message and line, is the one the user gets, whichever PyYAML is
installed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import Node
from yaml.reader import Reader

from linearcli.errors import SpecError

# libyaml's loader where PyYAML was built with it (its wheels are), else pure Python.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64  # nested mappings and sequences; no real spec comes close
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def compose(text: str, path: str) -> Node | None:
    """The single document's node tree (None for an empty file), or a SpecError."""
    bad = Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        message = "invalid YAML: special characters are not allowed"
        raise SpecError(message, path=path, line=text.count("\n", 0, bad.start()) + 1)
    if LOADER is not yaml.SafeLoader:
        try:
            return _compose(text, path, LOADER)
        except yaml.YAMLError:
            pass  # the pure-Python parser below says what is wrong, in the same words always
    try:
        return _compose(text, path, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "invalid YAML"
        line = _line(exc.problem_mark or exc.context_mark)
        raise SpecError(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", path=path) from None


def _compose(text: str, path: str, loader: Any) -> Node | None:
    """Nesting measured on the flat event stream first, then the nodes composed."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                message = f"the spec nests more than {MAX_DEPTH} levels deep"
                raise SpecError(message, path=path, line=_line(event.start_mark))
        elif isinstance(event, _CLOSES):
            depth -= 1
    node: Node | None = yaml.compose(text, Loader=loader)
    return node


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def top_level_keys(data: bytes) -> list[str]:
    """The scalar keys of the document's top-level mapping ([] if it is not a mapping).

    Read from the event stream alone, nothing composed. Raises yaml.YAMLError for text
    that is not YAML, or that nests deeper than any spec may (past that, PyYAML's
    parsers slow down with the square of the depth). What libyaml refuses is read again
    by the pure-Python parser, as in :func:`compose`.
    """
    if LOADER is not yaml.SafeLoader:
        try:
            return _top_level_keys(data, LOADER)
        except yaml.YAMLError:
            pass
    return _top_level_keys(data, yaml.SafeLoader)


def _top_level_keys(data: bytes, loader: Any) -> list[str]:
    keys: list[str] = []
    depth, at_key = 0, True
    for event in yaml.parse(data, Loader=loader):
        if isinstance(event, _OPENS):
            if depth == 0 and not isinstance(event, yaml.MappingStartEvent):
                return []
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, _CLOSES):
            depth -= 1
            if depth == 0:
                break  # the end of the top-level mapping
            if depth == 1:
                at_key = not at_key  # a key's value (or a complex key) has ended
        elif depth == 1 and isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            if at_key and isinstance(event, yaml.ScalarEvent):
                keys.append(event.value)
            at_key = not at_key
    return keys
