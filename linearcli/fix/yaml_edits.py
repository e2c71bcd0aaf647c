"""A change's edit in a YAML spec, from PyYAML's node marks: the scalar that holds a
Linear's ``in_features``, in the layer whose name is on the finding's line, edited only
where it reads as the old size; or a ``Flatten`` layer inserted before that layer.
Quotes, comments and layout around them are kept."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from linearcli.changes import Change, Edit
from linearcli.spec.yaml_text import compose


def yaml_edit(change: Change, line: int, text: str, path: str) -> Edit | None:
    if change.argument == "flatten":
        return _flatten_before(line, text, path)
    root = compose(text, path)
    layer = _yaml_layer(root, line) if root is not None else None
    if layer is None or (change.call, change.argument) != ("Linear", "in_features"):
        return None
    arguments = layer.value[0][1] if len(layer.value) == 1 else None
    node: Node | None = None
    if isinstance(arguments, SequenceNode):
        node = arguments.value[0] if arguments.value else None
    elif isinstance(arguments, MappingNode):
        node = next((v for k, v in arguments.value if k.value == change.argument), None)
    if not isinstance(node, ScalarNode) or node.value != str(change.old):
        return None
    start, end = node.start_mark, node.end_mark
    inset = 1 if node.style in ("'", '"') else 0  # keep the quotes as written
    return Edit(
        (start.line + 1, start.column + 1 + inset),
        (end.line + 1, end.column + 1 - inset),
        str(change.new),
    )


def _yaml_layer(node: Node, line: int) -> MappingNode | None:
    """The ``{Linear: ...}`` mapping of the layer whose name is on ``line``."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if key.start_mark.line + 1 == line and isinstance(value, MappingNode):
                if len(value.value) == 1 and value.value[0][0].value == "Linear":
                    return value
            found = _yaml_layer(value, line)
            if found is not None:
                return found
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found = _yaml_layer(item, line)
            if found is not None:
                return found
    return None


def _flatten_before(line: int, text: str, path: str) -> Edit | None:
    """A ``flatten: Flatten`` layer on its own line before the layer named on ``line``,
    indented as it is, in a block-style mapping of layers; named so as not to clash."""
    root = compose(text, path)
    siblings = _mapping_with_key_on(root, line) if root is not None else None
    if siblings is None or siblings.flow_style:
        return None
    key = next(k for k, _ in siblings.value if k.start_mark.line + 1 == line)
    names = {k.value for k, _ in siblings.value}
    name = next(n for n in ("flatten", *(f"flatten_{i}" for i in range(1, 100))) if n not in names)
    indent = " " * key.start_mark.column
    row = text.split("\n")[line - 1]
    if row[: key.start_mark.column] != indent:
        return None  # the key is not first on its line
    newline = "\r\n" if row.endswith("\r") else "\n"  # as the file writes its lines
    return Edit((line, 1), (line, 1), f"{indent}{name}: Flatten{newline}")


def _mapping_with_key_on(node: Node, line: int) -> MappingNode | None:
    if isinstance(node, MappingNode):
        if any(k.start_mark.line + 1 == line for k, _ in node.value):
            return node
        children = [v for _, v in node.value]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    else:
        return None
    for child in children:
        found = _mapping_with_key_on(child, line)
        if found is not None:
            return found
    return None
