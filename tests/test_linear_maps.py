"""Linear maps that are not nn.Linear modules: rows, in -> out as applied, the weight as
kept, counts, and no false findings (issue 13)."""

from __future__ import annotations

import inspect
import io
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from rich.console import Console
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

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


class FunctionalTiedHead(nn.Module):
    """The LM head is the embedding itself: F.linear(h, self.embed.weight)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.norm = nn.LayerNorm(8)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(self.norm(self.embed(ids)), self.embed.weight)


class ExpertBank(nn.Module):
    """Mixture-of-experts style: a router Linear and two 3-D banks, one applied by bmm on
    (in, out) slices, the other by einsum on (out, in) slices."""

    def __init__(self) -> None:
        super().__init__()
        self.router = nn.Linear(8, 4, bias=False)
        self.up = nn.Parameter(torch.randn(4, 8, 16))  # (experts, in, out)
        self.down = nn.Parameter(torch.randn(4, 8, 16))  # (experts, out, in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        chosen = self.router(x).argmax(-1)
        h = torch.bmm(x.unsqueeze(1), self.up[chosen]).squeeze(1)
        return torch.einsum("ti,toi->to", h, self.down[chosen])


class CrossAttention(nn.Module):
    def __init__(self, kdim: int | None = None) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, kdim=kdim, vdim=kdim, batch_first=True)

    def forward(self, q: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        return self.attn(q, kv, kv)[0]


def kinds(model: nn.Module, *inputs: torch.Tensor) -> list[tuple[object, ...]]:
    recorded = trace(model, inputs)
    return [
        (r.name, r.kind, r.type_name, r.in_features, r.out_features, r.stored_shape)
        + (r.params, len(r.calls), r.used_by)
        for r in recorded.linears
    ]


CASES = {
    "tied-functional": (
        FunctionalTiedHead,
        lambda d: (torch.randint(0, 50, (2, 5), device=d),),
        [("embed", "functional", "Embedding", 8, 50, None, 400, 0, "(model)")],
    ),
    "experts": (
        ExpertBank,
        lambda d: (torch.randn(6, 8, device=d),),
        [
            ("up", "experts", "ExpertBank", 8, 16, (4, 8, 16), 512, 0, "(model)"),
            ("down", "experts", "ExpertBank", 16, 8, (4, 8, 16), 512, 0, "(model)"),
            ("router", "Linear", "Linear", 8, 4, None, 32, 1, None),
        ],
    ),
    "self-attention": (
        lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
        lambda d: (torch.randn(2, 5, 8, device=d),),
        [
            ("self_attn.in_proj", "packed", "MultiheadAttention", 8, 24, None, 216, 0, "self_attn"),
            ("self_attn.out_proj", "Linear", "NonDynamicallyQuantizableLinear")
            + (8, 8, None, 72, 0, "self_attn"),
            ("linear1", "Linear", "Linear", 8, 16, None, 144, 1, None),
            ("linear2", "Linear", "Linear", 16, 8, None, 136, 1, None),
        ],
    ),
    "cross-attention": (
        CrossAttention,
        lambda d: (torch.randn(2, 5, 8, device=d), torch.randn(2, 7, 8, device=d)),
        [
            ("attn.in_proj", "packed", "MultiheadAttention", 8, 24, None, 216, 0, "attn"),
            ("attn.out_proj", "Linear", "NonDynamicallyQuantizableLinear", 8, 8)
            + (None, 72, 0, "attn"),
        ],
    ),
    "cross-attention-kdim": (
        lambda: CrossAttention(kdim=6),
        lambda d: (torch.randn(2, 5, 8, device=d), torch.randn(2, 7, 6, device=d)),
        [
            ("attn.q_proj_weight", "module", "MultiheadAttention", 8, 8, None, 64, 0, "attn"),
            ("attn.k_proj_weight", "module", "MultiheadAttention", 6, 8, None, 48, 0, "attn"),
            ("attn.v_proj_weight", "module", "MultiheadAttention", 6, 8, None, 48, 0, "attn"),
            ("attn.out_proj", "Linear", "NonDynamicallyQuantizableLinear", 8, 8)
            + (None, 72, 0, "attn"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_every_kind_of_map_has_its_row(case: str, device: str) -> None:
    make, inputs, expected = CASES[case]
    torch.manual_seed(0)
    with torch.device(device):
        model = make()
    assert kinds(model, *inputs(device)) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_no_kind_of_map_is_a_finding(case: str) -> None:
    make, inputs, _ = CASES[case]
    torch.manual_seed(0)
    report = inspect_model(make(), *inputs("cpu"))
    assert [(d.code, d.layer) for d in report.diagnostics] == []
    torch.manual_seed(0)
    assert report.totals.params == sum(p.numel() for p in make().parameters())  # unique


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_scripted_submodule_is_read_not_crashed_on(device: str) -> None:
    torch.manual_seed(0)
    with pytest.warns(DeprecationWarning), torch.device(device):
        scripted = torch.jit.script(nn.Sequential(nn.Linear(8, 16), nn.ReLU()))
        model = nn.Sequential(scripted, nn.Linear(16, 4))
    assert kinds(model, torch.randn(2, 8, device=device)) == [
        ("0.0", "functional", "Linear (TorchScript)", 8, 16, None, 144, 0, "(model)"),
        ("1", "Linear", "Linear", 16, 4, None, 68, 1, None),
    ]
    assert not inspect_model(model, torch.randn(2, 8, device=device)).diagnostics


def test_a_dynamically_quantized_model_has_its_rows() -> None:
    torch.manual_seed(0)
    float_model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation (to torchao)
        model = torch.ao.quantization.quantize_dynamic(float_model, {nn.Linear}, torch.qint8)
    report = inspect_model(model, torch.randn(2, 8))
    assert [
        (layer.name, layer.kind, layer.type, layer.in_features, layer.out_features)
        + (layer.weight_shape, layer.bias_shape, layer.params, layer.calls, layer.output_shape)
        for layer in report.layers
    ] == [
        (
            "0",
            "quantized",
            "DynamicQuantizedLinear (qint8)",
            8,
            16,
            (16, 8),
            (16,),
            144,
            1,
            (2, 16),
        ),
        ("2", "quantized", "DynamicQuantizedLinear (qint8)", 16, 4, (4, 16), (4,), 68, 1, (2, 4)),
    ]
    # The packed values are no parameters: torch counts none; the maps hold 212 values.
    assert (report.totals.params, report.totals.linear_map_params) == (0, 212)
    weight = report.layers[0].init.weight.observed if report.layers[0].init else None
    assert weight is not None and weight.count == 128  # read, dequantized
    assert not report.diagnostics


class LoraLinear(nn.Module):
    """peft's LoRA layer, as peft builds it: the base Linear and per-adapter A and B."""

    def __init__(self, base: nn.Linear, rank: int) -> None:
        super().__init__()
        self.base_layer = base
        self.lora_A = nn.ModuleDict({"default": nn.Linear(base.in_features, rank, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(rank, base.out_features, bias=False)})
        nn.init.zeros_(self.lora_B["default"].weight)  # B starts at zero: the update is 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base_layer(x) + self.lora_B["default"](self.lora_A["default"](x)) * 2.0


def test_a_lora_layer_is_its_base_with_its_adapters() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(LoraLinear(nn.Linear(16, 32), rank=4), nn.ReLU(), nn.Linear(32, 2))
    report = inspect_model(model, torch.randn(3, 16))
    lora, head = report.layers
    assert (lora.name, lora.kind, lora.in_features, lora.out_features) == ("0", "Linear", 16, 32)
    assert (lora.input_shape, lora.output_shape, lora.status) == ((3, 16), (3, 32), "ok")
    adapter_params = 4 * 16 + 32 * 4
    assert lora.params == 16 * 32 + 32 + adapter_params
    assert lora.to_dict()["adapters"] == [
        {"name": "default", "rank": 4, "a_shape": [4, 16], "b_shape": [32, 4], "params": 192}
    ]
    assert head.name == "2" and not head.adapters
    # no row for A or B, so no symmetric-init for the zero B; every parameter counted
    assert not report.diagnostics
    t = report.totals
    assert t.params == t.linear_params == t.linear_map_params == lora.params + head.params
    assert (t.linear_layers, t.linear_maps) == (2, 2)


def test_a_lora_layer_on_meta_is_the_same_row() -> None:
    with torch.device("meta"):
        model = nn.Sequential(LoraLinear(nn.Linear(16, 32), rank=4), nn.ReLU(), nn.Linear(32, 2))
    assert kinds(model, torch.empty(3, 16, device="meta")) == [
        ("0", "Linear", "Linear", 16, 32, None, 16 * 32 + 32 + 192, 1, None),
        ("2", "Linear", "Linear", 32, 2, None, 66, 1, None),
    ]


class Counted(nn.Module):
    def __init__(self, spare: bool) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 2, 1)
        self.fc = nn.Linear(4, 3)
        self.spare = nn.Linear(3, 3) if spare else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x))


@pytest.mark.parametrize(("spare", "passes"), [(False, 1), (True, 3)])
def test_operations_are_watched_only_where_a_map_could_hide(spare: bool, passes: int) -> None:
    # Convolutions and Linears only: nothing to watch, one pass. A Linear left uncalled
    # might be applied by F.linear somewhere: the pass runs again, watched, to tell; and
    # once more in train mode, to tell a train-only branch from a dead layer.
    model = Counted(spare)
    modes: list[bool] = []  # outside the model: linearcli puts its attributes back
    model.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    recorded = trace(model, (torch.randn(3, 2, 4),))
    assert modes == [False, False, True][:passes]  # one per pass, the last in training
    assert [(r.name, len(r.calls), r.used_by) for r in recorded.linears] == [("fc", 1, None)] + (
        [("spare", 0, None)] if spare else []
    )


@pytest.mark.parametrize(
    ("make", "watched"),
    [
        (lambda: nn.Sequential(nn.Linear(4, 4), nn.Conv2d(1, 1, 3), nn.LSTM(4, 4)), False),
        (lambda: nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 4)), True),
        (lambda: nn.TransformerEncoderLayer(8, 2, 16), True),
        (lambda: nn.Sequential(Conv1DStyle(4, 4)), True),
        (lambda: ExpertBank(), True),
    ],
    ids=["linear-conv-lstm", "embedding", "attention", "conv1d", "experts"],
)
def test_which_models_are_watched(make: Callable[[], nn.Module], watched: bool) -> None:
    from linearcli.trace.ops import needs_watching

    assert needs_watching(make().named_modules()) is watched


def test_a_compiled_model_is_traced_eagerly_and_quietly() -> None:
    # Compiling linearcli's hooks and watching would take seconds and warn (an error
    # here, where warnings fail the test); the pass runs the model eagerly instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's imports for compiling
        model = torch.compile(nn.Sequential(nn.Embedding(10, 8), nn.Linear(8, 4)))
    report = inspect_model(model, torch.randint(0, 10, (2, 5)))
    assert [(layer.name, layer.calls, layer.output_shape) for layer in report.layers] == [
        ("_orig_mod.1", 1, (2, 5, 4))
    ]
    assert not report.diagnostics


class CountingMode(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None
    ) -> Any:
        self.seen.append(func.overloadpacket.__name__)
        return func(*args, **(kwargs or {}))


class OwnMode(nn.Module):
    """A model that runs part of its forward under a dispatch mode of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)  # a matrix outside nn.Linear: the pass is watched
        self.fc = nn.Linear(4, 2)
        self.mode = CountingMode()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        with self.mode:
            return self.fc(self.embed(ids))


def test_a_models_own_dispatch_mode_keeps_working_under_the_trace() -> None:
    model = OwnMode()
    recorded = trace(model, (torch.randint(0, 10, (2, 3)),))
    # The Linear ran under the model's mode, which saw its matrix multiply; linearcli
    # did not pop the model's mode to quiet itself inside the Linear.
    assert "addmm" in model.mode.seen or "mm" in model.mode.seen
    assert [(r.name, len(r.calls)) for r in recorded.linears] == [("fc", 1)]
    assert recorded.failure is None


def test_adapters_on_a_base_that_is_no_row_keep_their_own_rows() -> None:
    # A base layer that is no linear map: A and B are not hidden with it.
    wrapper = LoraLinear(nn.Linear(4, 4), rank=2)
    wrapper.base_layer = nn.Identity()  # type: ignore[assignment]
    recorded = trace(nn.Sequential(wrapper), (torch.randn(3, 4),))
    assert [(r.name, len(r.calls)) for r in recorded.linears] == [
        ("0.lora_A.default", 1),
        ("0.lora_B.default", 1),
    ]
    assert recorded.failure is None


def line_of(function: Callable[..., object], text: str) -> str:
    """``tests/test_linear_maps.py:N``: the line of ``function`` holding ``text``."""
    lines, first = inspect.getsourcelines(function)
    number = first + next(i for i, line in enumerate(lines) if text in line)
    return f"tests/test_linear_maps.py:{number}"


def test_each_use_of_a_matrix_says_who_where_and_on_what(in_repo: object) -> None:
    torch.manual_seed(0)
    tied = inspect_model(FunctionalTiedHead(), torch.randint(0, 50, (2, 5))).layers[0]
    assert tied.to_dict()["uses"] == [
        {
            "by": "(model)",
            "op": "mm",  # F.linear without a bias on (2, 5, 8): flattened to 10 rows
            "input_shape": [10, 8],
            "output_shape": [10, 50],
            "source": line_of(FunctionalTiedHead.forward, "functional.linear"),
        }
    ]
    up, down, router = inspect_model(ExpertBank(), torch.randn(6, 8)).layers
    assert [(u.by, u.op, u.input_shape, u.output_shape, u.source) for u in up.uses] == [
        ("(model)", "bmm", (6, 1, 8), (6, 1, 16), line_of(ExpertBank.forward, "torch.bmm"))
    ]
    assert [(u.op, u.input_shape, u.output_shape) for u in down.uses] == [
        ("bmm", (6, 1, 16), (6, 1, 8))  # the einsum, as torch runs it
    ]
    assert router.uses == ()  # a Linear's own calls are its calls, not uses


def test_uses_are_capped_for_a_weight_applied_in_a_loop() -> None:
    class Loop(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(5, 4)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            h = self.embed(ids)
            for _ in range(20):
                h = torch.tanh(h @ self.embed.weight.t() @ self.embed.weight)
            return h

    (row,) = inspect_model(Loop(), torch.randint(0, 5, (2, 3))).layers
    assert len(row.uses) == 8
