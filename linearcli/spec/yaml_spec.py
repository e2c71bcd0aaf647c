"""Read a YAML spec into a :class:`YamlSpec`, keeping the line of every layer.

Lines come from the YAML nodes themselves (``start_mark``), never from searching the
text, so a layer named twice or a type repeated on many lines still points at the
right entry. Only PyYAML's safe constructor ever turns a node into a value.
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linearcli.errors import SpecError
from linearcli.spec.nn_layers import LAYER_NAMES, TORCH_VERSION
from linearcli.spec.types import (
    FLOAT_DTYPES,
    INIT_SCHEMES,
    INTEGER_DTYPES,
    InitScheme,
    InputSpec,
    LayerInit,
    LayerSpec,
    YamlSpec,
)
from linearcli.spec.yaml_text import MAX_DEPTH, compose

TOP_LEVEL_KEYS = ("model", "input")
INPUT_KEYS = ("shape", "batch_size", "dtype", "high")
CONTAINER = "Sequential"
# Limits that no real spec reaches and that keep a hostile one cheap (docs/security.md).
MAX_FILE_BYTES = 4 * 2**20
MAX_NODES = 250_000  # YAML values after alias expansion
MAX_LAYERS = 20_000
INIT_KEY = "init"
# YAML's own data types: anything else (!!python/..., local !tags) is refused.
_DATA_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "seq",
        "map",
        "binary",
        "timestamp",
        "merge",
    )
)


def read_yaml_spec(path: str) -> YamlSpec:
    file = Path(path)
    if not file.exists():
        raise SpecError("no such file", path=path)
    if not file.is_file():
        raise SpecError("not a file", path=path)
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpecError(
            f"the file is {size / 2**20:.1f} MiB; a spec is at most {MAX_FILE_BYTES // 2**20} MiB",
            path=path,
        )
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a file that grew since the stat: no more
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", path=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"a spec is at most {MAX_FILE_BYTES // 2**20} MiB", path=path)
    return _Reader(path, text).read()


class _Reader:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.layer_count = 0
        self.constructor = yaml.SafeLoader("")  # turns checked nodes into values

    def error(self, message: str, node: Node | None) -> SpecError:
        line = node.start_mark.line + 1 if node is not None else None
        return SpecError(message, path=self.path, line=line)

    def read(self) -> YamlSpec:
        root = compose(self.text, self.path)
        if root is None:
            raise SpecError("the file is empty; a spec needs a `model:` mapping", path=self.path)
        self.check_structure(root)
        if not isinstance(root, MappingNode):
            raise self.error("a spec is a mapping with `model:` (and usually `input:`)", root)
        entries = self.mapping(root, "the spec", allowed=TOP_LEVEL_KEYS)
        if "model" not in entries:
            raise self.error("the spec has no `model:` key", root)
        model_key, model_node = entries["model"]
        layers = self.layers(model_node, "model", model_key)
        input_spec = self.input(entries["input"][1]) if "input" in entries else None
        return YamlSpec(path=self.path, layers=layers, input=input_spec)

    def check_structure(self, root: Node) -> None:
        """Every node once, without recursion: data tags only, no duplicate keys, and
        bounded size and depth *after* alias expansion, measured without expanding.

        A "billion laughs" file is a few lines that reference each other; counting each
        shared node once per reference (memoised) catches it in linear time.
        """
        size: dict[int, int] = {}
        depth: dict[int, int] = {}
        started: set[int] = set()
        pending: list[tuple[Node, bool]] = [(root, False)]
        while pending:
            node, children_done = pending.pop()
            if id(node) in size:
                continue
            if isinstance(node, ScalarNode):  # most nodes: a leaf, done in one visit
                self.check_node(node)
                size[id(node)], depth[id(node)] = 1, 1
                continue
            children = _children(node)
            if not children_done:
                if id(node) in started:
                    raise self.error("a YAML alias refers to the node that contains it", node)
                started.add(id(node))
                self.check_node(node)
                pending.append((node, True))
                pending.extend((child, False) for child in children if id(child) not in size)
                continue
            for child in children:
                if id(child) not in size:  # still open further down: a cycle
                    raise self.error("a YAML alias refers to the node that contains it", child)
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
            depth[id(node)] = 1 + max((depth[id(child)] for child in children), default=0)
            if size[id(node)] > MAX_NODES:
                raise self.error(
                    f"the spec expands to more than {MAX_NODES:,} YAML values (aliases included); "
                    "a model spec needs far fewer",
                    node,
                )
            if depth[id(node)] > MAX_DEPTH:
                raise self.error(f"the spec nests more than {MAX_DEPTH} levels deep", node)

    def check_node(self, node: Node) -> None:
        if node.tag not in _DATA_TAGS:
            raise self.error(f"YAML tag {node.tag!r} is not allowed: a spec is plain data", node)
        if isinstance(node, MappingNode):
            seen: dict[object, Node] = {}
            for key, _ in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        first = seen[key.value].start_mark.line + 1
                        raise self.error(
                            f"duplicate key {key.value!r} (first on line {first}): "
                            "YAML would silently keep only the last",
                            key,
                        )
                    seen[key.value] = key

    def mapping(
        self, node: MappingNode, what: str, allowed: tuple[str, ...] | None = None
    ) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node); keys must be unique strings (and ``allowed`` ones)."""
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.error(f"keys in {what} must be plain names", key_node)
            key = str(key_node.value)
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                raise self.error(
                    f"duplicate key {key!r} in {what} (first on line {first})", key_node
                )
            if allowed is not None and key not in allowed:
                raise self.error(
                    f"unknown key {key!r} in {what}; expected {_names(allowed)}", key_node
                )
            entries[key] = (key_node, value_node)
        return entries

    def layers(self, node: Node, what: str, owner: Node) -> tuple[LayerSpec, ...]:
        if isinstance(node, MappingNode):
            entries = self.mapping(node, what)
            named = [(name, key, value) for name, (key, value) in entries.items()]
        elif isinstance(node, SequenceNode):
            named = [(str(index), item, item) for index, item in enumerate(node.value)]
        else:
            raise self.error(
                f"{what} must be a mapping of name -> layer, or a list of layers", node
            )
        if not named:
            raise self.error(f"{what} has no layers", owner)
        return tuple(self.layer(name, key, value) for name, key, value in named)

    def layer(self, name: str, key_node: Node, node: Node) -> LayerSpec:
        self.layer_count += 1
        if self.layer_count > MAX_LAYERS:
            raise self.error(f"the spec has more than {MAX_LAYERS:,} layers", key_node)
        if not name or "." in name:
            raise self.error(f"layer name {name!r} must be non-empty and contain no '.'", key_node)
        line = key_node.start_mark.line + 1
        if isinstance(node, ScalarNode) and isinstance(self.value(node), str):
            return LayerSpec(name=name, type_name=self.type_name(node.value, node), line=line)
        if not isinstance(node, MappingNode):
            raise self.error(
                f"layer {name!r} must be a type name (ReLU) or a mapping {{Type: arguments}}", node
            )
        entries = self.mapping(node, f"layer {name!r}")
        init_entry = entries.pop(INIT_KEY, None)
        if len(entries) != 1:
            raise self.error(
                f"layer {name!r} has {len(entries)} type keys ({_names(entries)}); "
                "a layer is exactly one `Type: arguments` pair (and optionally `init:`)",
                node,
            )
        ((type_key, (type_node, args_node)),) = entries.items()
        type_name = self.type_name(type_key, type_node)
        init = self.init(init_entry[1]) if init_entry else None
        if type_name == CONTAINER:
            if init is not None:
                raise self.error("`init:` goes on a layer with weights, not on a Sequential", node)
            children = self.layers(args_node, f"Sequential {name!r}", type_node)
            return LayerSpec(name=name, type_name=type_name, line=line, children=children)
        args: tuple[Any, ...] = ()
        kwargs: dict[str, Any] = {}
        if isinstance(args_node, SequenceNode):
            args = tuple(self.value(item) for item in args_node.value)
        elif isinstance(args_node, MappingNode):
            for key, (_, value_node) in self.mapping(args_node, f"{type_name} arguments").items():
                kwargs[key] = self.value(value_node)
        elif (value := self.value(args_node)) is not None:
            args = (value,)
        return LayerSpec(
            name=name, type_name=type_name, line=line, args=args, kwargs=kwargs, init=init
        )

    def init(self, node: Node) -> LayerInit:
        """``SCHEME`` (for the weight) or ``{weight: SCHEME, bias: SCHEME}``."""
        if isinstance(node, MappingNode):
            entries = self.mapping(node, "init")
            if entries and set(entries) <= {"weight", "bias"}:
                return LayerInit(
                    weight=self.scheme(entries["weight"][1]) if "weight" in entries else None,
                    bias=self.scheme(entries["bias"][1]) if "bias" in entries else None,
                )
        return LayerInit(weight=self.scheme(node))

    def scheme(self, node: Node) -> InitScheme:
        """``xavier_uniform_``, ``xavier_uniform`` or ``{normal_: {std: 0.02}}``."""
        kwargs: dict[str, Any] = {}
        if isinstance(node, MappingNode):
            entries = self.mapping(node, "init scheme")
            if len(entries) != 1:
                raise self.error(
                    "an init scheme is a name (xavier_uniform_) or one `name: {arguments}` pair",
                    node,
                )
            ((raw, (name_node, args_node)),) = entries.items()
            arguments = self.value(args_node)
            if arguments is not None and not isinstance(arguments, dict):
                raise self.error(
                    f"the arguments of init scheme {raw!r} must be a mapping such as {{std: 0.02}}",
                    args_node,
                )
            kwargs = dict(arguments or {})
        else:
            raw, name_node = self.value(node), node
        if not isinstance(raw, str):
            raise self.error(f"init scheme {raw!r} is not a torch.nn.init function name", node)
        name = raw if raw.endswith("_") else f"{raw}_"
        if name not in INIT_SCHEMES:
            close = difflib.get_close_matches(name, INIT_SCHEMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.error(f"unknown init scheme {raw!r}{hint}", name_node)
        return InitScheme(name=name, kwargs=kwargs, line=name_node.start_mark.line + 1)

    def type_name(self, value: str, node: Node) -> str:
        parts = value.split(".")
        if not all(part.isidentifier() for part in parts):
            raise self.error(f"{value!r} is not a layer type name", node)
        name = value.removeprefix("torch.nn.").removeprefix("nn.")
        if "." not in name and name != CONTAINER and _known_torch_layers() is not None:
            known = _known_torch_layers() or frozenset()
            if name not in known:  # found here, before torch is imported: spec errors stay fast
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.error(f"unknown layer type {value!r}{hint}", node)
        return value

    def value(self, node: Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            problem = exc.problem or "cannot be read as data"
            raise self.error(f"unsupported YAML value: {problem}", node) from None

    def input(self, node: Node) -> InputSpec:
        if not isinstance(node, MappingNode):
            raise self.error("input must be a mapping such as {shape: [784], batch_size: 3}", node)
        entries = self.mapping(node, "input", allowed=INPUT_KEYS)
        if "shape" not in entries:
            raise self.error("input has no `shape` (per sample, batch axis excluded)", node)
        shape_node = entries["shape"][1]
        shape = self.value(shape_node)
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = [shape]
        if not isinstance(shape, list) or not all(_is_positive_int(size) for size in shape):
            raise self.error(
                "input shape must be a list of positive integers, e.g. [3, 32, 32]", shape_node
            )
        batch_size = self.positive_int(entries, "batch_size")
        high = self.positive_int(entries, "high")
        dtype = None
        if "dtype" in entries:
            dtype_node = entries["dtype"][1]
            dtype = self.value(dtype_node)
            if dtype not in FLOAT_DTYPES + INTEGER_DTYPES:
                raise self.error(
                    f"input dtype {dtype!r} is not one of {_names(FLOAT_DTYPES + INTEGER_DTYPES)}",
                    dtype_node,
                )
        if dtype in INTEGER_DTYPES and high is None:
            raise self.error(
                f"an {dtype} input needs `high`, the exclusive upper bound of its random ids "
                "(for token ids: the vocabulary size)",
                node,
            )
        if high is not None and dtype not in INTEGER_DTYPES:
            raise self.error("`high` applies only to integer inputs (dtype int64 or int32)", node)
        return InputSpec(
            shape=tuple(shape),
            batch_size=batch_size,
            dtype=dtype,
            high=high,
            line=node.start_mark.line + 1,
        )

    def positive_int(self, entries: dict[str, tuple[Node, Node]], key: str) -> int | None:
        if key not in entries:
            return None
        value_node = entries[key][1]
        value = self.value(value_node)
        if not _is_positive_int(value):
            raise self.error(f"input {key} must be a positive integer, not {value!r}", value_node)
        return int(value)


@functools.cache
def _known_torch_layers() -> frozenset[str] | None:
    """torch.nn's layer names if the installed torch is the one the list was made from."""
    try:
        installed = importlib.metadata.version("torch").split("+")[0]
    except importlib.metadata.PackageNotFoundError:
        return None
    return LAYER_NAMES if installed == TORCH_VERSION else None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)
