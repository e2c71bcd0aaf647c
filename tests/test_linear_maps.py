"""Linear maps that are not nn.Linear modules: rows, in -> out as applied, the weight as
kept, counts, and no false findings (issue 13)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import torch
from rich.console import Console
from torch import nn

from linearcli import inspect_model
from linearcli.records import LINEAR, MODULE
from linearcli.render import render_table
from linearcli.trace import trace

Golden = Callable[[str, str], None]


class Conv1DStyle(nn.Module):
    """transformers' Conv1D: the weight kept (in, out) and applied by addmm."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features) * 0.02)
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight)
        return flat.view(*x.shape[:-1], -1)


class OwnLinear(nn.Module):
    """A hand-written Linear keeping its weight as nn.Linear does, (out, in)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.t()


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c_attn = Conv1DStyle(8, 24)
        self.c_proj = Conv1DStyle(8, 8)  # square: only the use tells (in, out) from (out, in)
        self.own = OwnLinear(8, 6)
        self.table = nn.Parameter(torch.zeros(5, 5))  # a matrix this forward never applies
        self.head = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.c_attn(x).chunk(3, dim=-1)
        return self.head(self.own(self.c_proj(q * k + v)))


def rows(model: nn.Module, x: torch.Tensor) -> list[tuple[object, ...]]:
    recorded = trace(model, (x,))
    return [
        (r.name, r.kind, r.type_name, r.in_features, r.out_features, r.weight_shape)
        + (
            r.stored_shape,
            r.bias_shape,
            r.params,
            [(c.input_shape, c.output_shape) for c in r.calls],
        )
        for r in recorded.linears
    ]


def test_every_module_applying_its_own_weight_is_a_row() -> None:
    torch.manual_seed(0)
    assert rows(Block(), torch.randn(2, 5, 8)) == [
        (
            "c_attn",
            MODULE,
            "Conv1DStyle",
            8,
            24,
            (24, 8),
            (8, 24),
            (24,),
            216,
            [((2, 5, 8), (2, 5, 24))],
        ),
        ("c_proj", MODULE, "Conv1DStyle", 8, 8, (8, 8), (8, 8), (8,), 72, [((2, 5, 8), (2, 5, 8))]),
        ("own", MODULE, "OwnLinear", 8, 6, (6, 8), None, None, 48, [((2, 5, 8), (2, 5, 6))]),
        ("head", LINEAR, "Linear", 6, 3, (3, 6), None, (3,), 21, [((2, 5, 6), (2, 5, 3))]),
    ]


def test_totals_count_every_map_once_and_the_linears_apart() -> None:
    torch.manual_seed(0)
    model = Block()
    report = inspect_model(model, torch.randn(2, 5, 8))
    t = report.totals
    assert (t.linear_layers, t.linear_params) == (1, 21)
    assert (t.linear_maps, t.linear_map_params) == (4, 216 + 72 + 48 + 21)
    assert t.params == sum(p.numel() for p in model.parameters()) == 357 + 25
    # mult-adds as applied: 10 rows through each map
    assert t.mult_adds == 10 * (8 * 24 + 8 * 8 + 8 * 6 + 6 * 3)
    assert report.ok and not report.diagnostics
    layer = report.layers[0].to_dict()
    assert (layer["kind"], layer["weight_shape"], layer["stored_shape"]) == (
        "module",
        [24, 8],
        [8, 24],
    )
    assert layer["weight_layout"] == "(in, out)"
    own = report.layers[2].to_dict()
    assert (own["weight_shape"], own["stored_shape"], own["weight_layout"]) == (
        [6, 8],
        [6, 8],
        "(out, in)",
    )
    assert report.to_dict()["schema_version"] == 2


def test_meta_gives_the_same_rows() -> None:
    torch.manual_seed(0)
    on_cpu = rows(Block(), torch.randn(2, 5, 8))
    with torch.device("meta"):
        model = Block()
    assert rows(model, torch.empty(2, 5, 8, device="meta")) == on_cpu


def test_a_module_whose_weight_fails_to_apply_is_no_row_but_the_failure() -> None:
    model = nn.Sequential(Conv1DStyle(8, 4), Conv1DStyle(5, 2))  # 4 into 5: addmm raises
    recorded = trace(model, (torch.randn(3, 8),))
    assert [(r.name, r.kind) for r in recorded.linears] == [("0", MODULE)]
    assert recorded.failure is not None and recorded.failure.module == "1"


@pytest.mark.parametrize("width", [60, 100])
def test_the_table_says_what_each_map_is(golden: Golden, width: int) -> None:
    torch.manual_seed(0)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(
        render_table(inspect_model(Block(), torch.randn(2, 5, 8)))
    )
    text = out.getvalue()
    golden(f"linear_maps_{width}.txt", text)
    assert text.splitlines()[0].strip() == "linear maps"
    assert (
        "4 linear maps (2 Conv1DStyle, 1 OwnLinear, 1 Linear), 357 parameters in linear maps"
        in " ".join(text.split())
    )


class TiedHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.head = nn.Linear(8, 50, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(ids))


def test_a_head_tied_to_the_embedding_is_one_row_counted_once() -> None:
    report = inspect_model(TiedHead(), torch.randint(0, 50, (2, 7)))
    (head,) = report.layers
    assert (head.name, head.kind, head.tied_to, head.params) == ("head", "Linear", ("embed",), 400)
    assert (report.totals.params, report.totals.linear_map_params) == (400, 400)
    assert report.to_dict()["layers"][0]["tied_to"] == ["embed"]
    assert not report.diagnostics
