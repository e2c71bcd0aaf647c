"""The Mermaid flowchart of a model's path (linearcli/flow.py), checked for structure."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from linearcli import inspect_model, inspect_spec
from linearcli.escape import visible
from linearcli.records import INPUT_NAME
from linearcli.render.flow import _escape, mermaid_block, mermaid_flowchart, mermaid_html
from linearcli.report import Report

RED = "stroke:#d73a49,stroke-width:3px"


@dataclass
class Chart:
    nodes: dict[str, str] = field(default_factory=dict)  # id -> decoded label
    order: list[str] = field(default_factory=list)
    edges: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)
    red: set[int] = field(default_factory=set)
    subgraphs: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def node(self, label: str) -> str:
        found = [node for node, text in self.nodes.items() if text == label]
        assert len(found) == 1, (label, self.nodes)
        return found[0]

    def labels(self) -> list[str]:
        return [self.nodes[node] for node in self.order]

    def edge_labels(self) -> list[str | None]:
        return [label for _, _, label, _ in self.edges]

    def into(self, node: str) -> list[int]:
        return [i for i, (_, end, _, _) in enumerate(self.edges) if end == node]


_LABEL = r'"([^"\n]*)"'
_NODE = re.compile(rf"(n\d+)\[{_LABEL}\]")
_SUBGRAPH = re.compile(rf"subgraph (g\d+)\[{_LABEL}\]")
_EDGE = re.compile(rf"(n\d+) (-->|-\.->)(?:\|{_LABEL}\|)? (n\d+)")
_CLASSDEF = re.compile(r"classDef (\w+) ([\w#:,.\- ]+)")
_CLASS = re.compile(r"class (n\d+(?:,n\d+)*) (\w+)")
_LINKSTYLE = re.compile(r"linkStyle (\d+(?:,\d+)*) ([\w#:,.\- ]+)")


def decode(label: str) -> str:
    """A label as Mermaid shows it; only our own ``#NN;`` codes may use ``#`` and ``;``."""
    assert re.fullmatch(r"(?:[^#;<>|\[\]{}`\"\n]|#\d+;)*", label), label
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


def parse(text: str) -> Chart:
    """Every line one of the statements we write, every reference declared, ids once."""
    lines = text.split("\n")
    assert lines[0] == "flowchart TD"
    chart, open_subgraphs, defined = Chart(), [], set()
    for line in lines[1:]:
        if m := _NODE.fullmatch(line):
            assert m[1] not in chart.nodes, f"{m[1]} declared twice"
            chart.nodes[m[1]] = decode(m[2])
            chart.order.append(m[1])
            if open_subgraphs:
                chart.subgraphs[open_subgraphs[-1]][1].append(m[1])
        elif m := _SUBGRAPH.fullmatch(line):
            assert m[1] not in chart.subgraphs
            chart.subgraphs[m[1]] = (decode(m[2]), [])
            open_subgraphs.append(m[1])
        elif line == "end":
            assert open_subgraphs, "end without a subgraph"
            open_subgraphs.pop()
        elif m := _EDGE.fullmatch(line):
            assert m[1] in chart.nodes and m[4] in chart.nodes, line
            label = None if m[3] is None else decode(m[3])
            chart.edges.append((m[1], m[4], label, m[2]))
        elif m := _CLASSDEF.fullmatch(line):
            defined.add(m[1])
        elif m := _CLASS.fullmatch(line):
            assert m[2] in defined, line
            for node in m[1].split(","):
                assert node in chart.nodes, line
                chart.classes.setdefault(m[2], set()).add(node)
        elif m := _LINKSTYLE.fullmatch(line):
            indexes = {int(i) for i in m[1].split(",")}
            assert max(indexes) < len(chart.edges), line
            assert m[2] == RED
            chart.red |= indexes
        else:
            raise AssertionError(f"not a statement we write: {line!r}")
    assert not open_subgraphs, "a subgraph left open"
    return chart


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


class Stack(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 8)
        self.blocks = nn.ModuleList(Block() for _ in range(4))
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


@pytest.fixture
def stack() -> Report:
    torch.manual_seed(0)
    return inspect_model(Stack(), torch.randn(2, 4))


def with_producer(report: Report, name: str, producer: str) -> Report:
    layers = tuple(
        replace(layer, input_from=producer) if layer.name == name else layer
        for layer in report.layers
    )
    return replace(report, layers=layers)


def test_mlp_labels_and_shapes(in_repo: Path) -> None:
    chart = parse(mermaid_flowchart(inspect_spec("specs/mlp.yaml")))
    assert chart.labels() == [
        "input (3, 784)",
        "hidden 784 → 256",
        "output 256 → 10",
        "output (3, 10)",
    ]
    assert [(a, b, label) for a, b, label, _ in chart.edges] == [
        ("n0", "n1", "(3, 784)"),
        ("n1", "n2", "(3, 256)"),
        ("n2", "n3", "(3, 10)"),
    ]
    assert not chart.classes and not chart.red and not chart.subgraphs


def test_wrong_hidden_size_highlights_fc2(in_repo: Path) -> None:
    chart = parse(mermaid_flowchart(inspect_spec("specs/broken/wrong_hidden_size.yaml")))
    fc2 = chart.node("fc2 128 → 10")
    assert chart.classes == {"error": {fc2}}
    assert chart.red == set(chart.into(fc2))
    assert chart.edges[chart.into(fc2)[0]][:3] == (chart.node("fc1 784 → 256"), fc2, "(2, 256)")


def test_three_mismatches_each_edge_into_an_error(in_repo: Path) -> None:
    chart = parse(mermaid_flowchart(inspect_spec("specs/broken/three_mismatches.yaml")))
    assert len(chart.classes["error"]) == 3
    assert chart.red == {1, 2, 3}


def test_transformer_in_module_order(in_repo: Path) -> None:
    report = inspect_spec("specs/transformer.yaml")
    chart = parse(mermaid_flowchart(report))
    names = [label.split(" ")[0] for label in chart.labels()[1:-1]]
    assert names == [layer.name for layer in report.layers]
    # Used by its attention parent, not called: still on the path, not dashed.
    assert chart.labels()[3].endswith("(used by encoder.self_attn)")
    assert chart.edge_labels()[0] == "(2, 16) … (2, 16, 64)"  # the embedding in between
    assert chart.labels()[-1] == "output (2, 16, 1000)"
    assert not chart.classes


def test_repeated_blocks_fold_into_one_subgraph(stack: Report) -> None:
    chart = parse(mermaid_flowchart(stack))
    assert [title for title, _ in chart.subgraphs.values()] == ["blocks.0-3 ×4"]
    [(_, members)] = chart.subgraphs.values()
    assert [chart.nodes[n] for n in members] == ["fc1 8 → 16", "fc2 16 → 8"]
    assert chart.labels() == [
        "input (2, 4)",
        "embed 4 → 8",
        "fc1 8 → 16",
        "fc2 16 → 8",
        "head 8 → 2",
        "output (2, 2)",
    ]
    assert chart.edge_labels() == ["(2, 4)", "(2, 8)", "(2, 16)", "(2, 8)", "(2, 2)"]


def test_expand_draws_every_block(stack: Report) -> None:
    chart = parse(mermaid_flowchart(stack, expand=True))
    assert not chart.subgraphs
    assert [label for label in chart.labels() if label.endswith("8 → 16")] == [
        f"blocks.{i}.fc1 8 → 16" for i in range(4)
    ]
    assert len(chart.edges) == len(chart.nodes) - 1 == 11


def test_a_block_with_a_finding_is_not_folded_away(stack: Report) -> None:
    layers = tuple(
        replace(layer, status="warning") if layer.name == "blocks.2.fc1" else layer
        for layer in stack.layers
    )
    chart = parse(mermaid_flowchart(replace(stack, layers=layers)))
    assert chart.classes == {"warning": {chart.node("blocks.2.fc1 8 → 16")}}
    assert not chart.red


def test_not_called_layers_stand_apart(in_repo: Path) -> None:
    chart = parse(mermaid_flowchart(inspect_spec("specs/broken/unused_linear.py")))
    spare = chart.node("spare 4 → 4")
    assert chart.classes == {"notcalled": {spare}}
    assert all(spare not in (a, b) for a, b, _, _ in chart.edges)
    assert list(chart.subgraphs.values()) == [("not called", [spare])]


def test_a_failure_outside_any_linear(in_repo: Path) -> None:
    chart = parse(mermaid_flowchart(inspect_spec("specs/broken/skip_off_by_one.py")))
    failed = chart.node("forward-error in (model)")
    assert chart.classes["error"] == {failed}
    assert chart.red == set(chart.into(failed))
    end = chart.node("output not reached")
    [(_, _, label, arrow)] = [e for e in chart.edges if e[1] == end]
    assert (label, arrow) == (None, "-.->")


def test_path_back_to_the_producer(in_repo: Path) -> None:
    report = inspect_spec("specs/broken/three_mismatches.yaml")
    assert [layer.input_from for layer in report.layers] == [INPUT_NAME, "fc1", "fc2", "fc3"]
    # fc4's input size set by fc2 (two Linears back): both edges red.
    only_fc4 = replace(
        report,
        layers=tuple(
            replace(layer, status="ok") if layer.name in ("fc2", "fc3") else layer
            for layer in report.layers
        ),
    )
    chart = parse(mermaid_flowchart(with_producer(only_fc4, "fc4", "fc2")))
    assert chart.red == {2, 3}
    # The model's input: every edge up to fc4.
    chart = parse(mermaid_flowchart(with_producer(only_fc4, "fc4", INPUT_NAME)))
    assert chart.red == {0, 1, 2, 3}
    # A module that is not on the chart is named on the edge.
    chart = parse(mermaid_flowchart(with_producer(only_fc4, "fc4", "view")))
    assert chart.red == {3}
    assert chart.edges[3][2] == "(2, 60) from view"


@pytest.mark.parametrize(
    "name",
    [
        'a"]-->evil',
        "two\nlines",
        "x|y[z]{w}",
        "<script>alert(1)</script>",
        "hash#1;semi&amp;",
        "style:#f00;",
        "%% comment",
        "`md`",
        "end",
        "\u202eright-to-left",
        "слой",
    ],
)
def test_hostile_names_cannot_break_the_syntax(in_repo: Path, name: str) -> None:
    report = inspect_spec("specs/mlp.yaml")
    layers = (replace(report.layers[0], name=name), *report.layers[1:])
    text = mermaid_flowchart(replace(report, layers=layers))
    chart = parse(text)
    assert chart.labels()[1] == f"{visible(name)} 784 → 256"  # a line break shows as \\n
    assert len(chart.nodes) == 4 and len(chart.edges) == 3


@given(st.text())
def test_escape_is_reversible_and_plain(text: str) -> None:
    assert decode(_escape(text)) == visible(text)


def test_block_and_html(in_repo: Path) -> None:
    report = inspect_spec("specs/mlp.yaml")
    chart = mermaid_flowchart(report)
    assert mermaid_block(report) == f"```mermaid\n{chart}\n```\n"
    page = mermaid_html(report)
    assert '<pre class="mermaid">\n' in page and "<script" not in page
    body = page.split('<pre class="mermaid">\n')[1].split("\n</pre>")[0]
    assert html.unescape(body) == chart
