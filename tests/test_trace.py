from __future__ import annotations

import gc
import math
import warnings
import weakref

import pytest
import torch
from torch import nn

from linearcli.records import ROOT_NAME, LinearCall, Producer
from linearcli.trace import MODEL_INPUT, trace


def mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 256), nn.Sigmoid(), nn.Linear(256, 10))


def hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_records_shapes_calls_and_counts() -> None:
    recorded = trace(mlp(), (torch.randn(3, 784),))
    hidden, output = recorded.linears
    assert (hidden.name, hidden.type_name, hidden.in_features, hidden.out_features) == (
        "0",
        "Linear",
        784,
        256,
    )
    assert hidden.weight_shape == (256, 784) and hidden.bias_shape == (256,)
    assert hidden.params == 784 * 256 + 256 == 200_960
    assert hidden.calls == (LinearCall((3, 784), (3, 256), MODEL_INPUT),)
    # through the Sigmoid: the size of output's input was decided by the first Linear
    assert output.calls == (LinearCall((3, 256), (3, 10), Producer("0", "Linear", (784, 256))),)
    assert output.params == 2_570
    bound = 1 / math.sqrt(784)
    assert hidden.weight_stats is not None and hidden.bias_stats is not None
    assert -bound <= hidden.weight_stats.min < -0.9 * bound
    assert 0.9 * bound < hidden.weight_stats.max <= bound
    assert hidden.weight_stats.count == 784 * 256 and hidden.bias_stats.count == 256
    assert abs(hidden.weight_stats.mean) < 0.01 * bound
    assert hidden.weight_stats.std == pytest.approx(bound / 3**0.5, rel=0.01)  # U(-b, b)
    assert (recorded.params, recorded.trainable_params, recorded.linear_params) == (
        203_530,
        203_530,
        203_530,
    )
    assert recorded.param_bytes == 203_530 * 4
    assert recorded.input_shapes == ((3, 784),) and recorded.output_shape == (3, 10)
    assert (recorded.device, recorded.dtype, recorded.failure) == ("cpu", "float32", None)


def test_hooks_removed_and_modes_restored_even_when_forward_fails() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(), nn.Sequential(nn.Conv1d(5, 2, 1)))
    model.train()
    model[1].eval()  # a mixed state must come back exactly
    before = [m.training for m in model.modules()]
    recorded = trace(model, (torch.randn(2, 4),))
    assert recorded.failure is not None
    assert hook_count(model) == 0
    assert [m.training for m in model.modules()] == before


def test_a_failed_forward_leaves_no_reference_cycle_holding_the_model() -> None:
    # The CLI runs with the garbage collector off: reference counting alone must free a
    # model whose forward pass failed, activations and all.
    # Two kinds: one linearcli cannot go on from (4 channels do not unflatten to 3 x 3),
    # and one it gives the right channels to go on with, on the second, watched pass.
    for second, failed in ((nn.Unflatten(1, (3, 3)), True), (nn.Conv2d(8, 2, 3), False)):
        model = nn.Sequential(nn.Conv2d(3, 4, 3), second)
        del second
        alive = weakref.ref(model)
        gc.collect()
        gc.disable()
        try:
            recorded = trace(model, (torch.zeros(1, 3, 8, 8),))
            assert (recorded.failure is not None) is failed
            assert len(recorded.repaired) == (0 if failed else 1)
            del model
            assert alive() is None
        finally:
            gc.enable()


def test_runs_in_eval_mode_without_grad() -> None:
    seen: list[tuple[bool, bool]] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append((self.training, torch.is_grad_enabled()))
            return x

    model = nn.Sequential(Probe(), nn.Linear(2, 2)).train()
    trace(model, (torch.randn(2, 2),))
    assert seen == [(False, False)]
    # A batch of one has a second look on meta, with one sample and with two: eval too.
    seen.clear()
    trace(model, (torch.randn(1, 2),))
    assert seen == [(False, False)] * 3
    assert model.training


def test_module_under_two_names_is_one_row_with_every_call() -> None:
    shared = nn.Linear(4, 4)
    model = nn.Sequential()
    model.add_module("first", shared)
    model.add_module("again", shared)
    recorded = trace(model, (torch.randn(2, 4),))
    (row,) = recorded.linears
    assert row.name == "first"
    assert len(row.calls) == 2
    assert recorded.params == recorded.linear_params == 20


def test_tied_weights_count_once() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encode = nn.Linear(6, 6, bias=False)
            self.decode = nn.Linear(6, 6, bias=False)
            self.decode.weight = self.encode.weight

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.decode(self.encode(x))

    recorded = trace(Tied(), (torch.randn(2, 6),))
    assert [r.params for r in recorded.linears] == [36, 36]
    assert recorded.params == recorded.linear_params == 36


def test_lazy_linear_reports_inferred_in_features_and_its_built_type() -> None:
    model = nn.Sequential(nn.Flatten(), nn.LazyLinear(10), nn.LazyLinear(3))
    recorded = trace(model, (torch.randn(4, 2, 5),))
    first, second = recorded.linears
    assert (first.type_name, first.in_features, first.weight_shape, first.params) == (
        "LazyLinear",
        10,
        (10, 10),
        110,
    )
    assert (second.type_name, second.in_features, second.params) == ("LazyLinear", 10, 33)


@pytest.fixture(params=["stacked", "one-by-one"])
def stats_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small parameters are stacked and reduced together; large ones are read one by one,
    their deviations in pieces: here every parameter is made to take one path, the second
    in pieces of 7 values."""
    if request.param == "one-by-one":
        monkeypatch.setattr("linearcli.trace.stats._LARGE", 1)
        monkeypatch.setattr("linearcli.trace.stats._PIECE", 7)
    return str(request.param)


@pytest.mark.parametrize("batch_bytes", [64 * 2**20, 1], ids=["one-batch", "one-per-batch"])
def test_stats_of_same_shape_layers_are_each_their_own(
    monkeypatch: pytest.MonkeyPatch, batch_bytes: int, stats_path: str
) -> None:
    # Same-shape parameters are reduced together; each must still get its own numbers,
    # equal to float64 statistics of that tensor alone.
    monkeypatch.setattr("linearcli.trace.stats._BATCH_BYTES", batch_bytes)
    torch.manual_seed(0)
    model = nn.Sequential(*(nn.Linear(6, 6) for _ in range(3)), nn.Linear(6, 1))
    with torch.no_grad():
        for i, layer in enumerate(model):
            layer.weight.mul_(i + 1).add_(10 * i)
        model[3].bias.fill_(0.25)  # one value: std 0
    recorded = trace(model, (torch.randn(2, 6),))
    for record, layer in zip(recorded.linears, model, strict=True):
        for stats, param in ((record.weight_stats, layer.weight), (record.bias_stats, layer.bias)):
            exact = param.detach().double()
            assert stats is not None
            assert (stats.min, stats.max, stats.count) == (exact.min(), exact.max(), exact.numel())
            assert stats.mean == pytest.approx(float(exact.mean()), rel=1e-6, abs=1e-7)
            std = float(exact.std()) if exact.numel() > 1 else 0.0
            assert stats.std == pytest.approx(std, rel=1e-6, abs=1e-7)


def test_non_finite_values_are_counted_per_parameter(stats_path: str) -> None:
    # Three layers of one shape are reduced together: each counts only its own NaN and inf.
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))
    with torch.no_grad():
        model[0].weight[0, :3] = float("nan")
        model[2].weight[1, 1] = float("inf")
        model[2].weight[2, 2] = float("-inf")
        model[2].bias[0] = float("nan")
    recorded = trace(model, (torch.zeros(2, 4),))
    counts = [
        (r.weight_stats.non_finite, r.bias_stats.non_finite)
        for r in recorded.linears
        if r.weight_stats is not None and r.bias_stats is not None
    ]
    assert counts == [(3, 0), (0, 0), (2, 1)]
    first = recorded.linears[0].weight_stats
    assert first is not None and math.isnan(first.min) and first.count == 16


def test_stats_of_half_precision_are_computed_in_float32(stats_path: str) -> None:
    layer = nn.Linear(300, 200).half()
    recorded = trace(layer, (torch.randn(1, 300).half(),))
    exact = layer.weight.detach().double()
    stats = recorded.linears[0].weight_stats
    assert stats is not None
    assert stats.std == pytest.approx(float(exact.std()), rel=1e-5)
    assert stats.mean == pytest.approx(float(exact.mean()), abs=1e-6)


def test_complex_weights_are_described_by_their_real_part(stats_path: str) -> None:
    layer = nn.Linear(4, 3, dtype=torch.cfloat)
    recorded = trace(layer, (torch.zeros(1, 4, dtype=torch.cfloat),))
    stats = recorded.linears[0].weight_stats
    real = layer.weight.detach().real
    assert stats is not None
    assert (stats.min, stats.max) == (float(real.min()), float(real.max()))


def test_lazy_linear_that_never_ran_has_no_values() -> None:
    class Unused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(2, 2)
            self.spare = nn.LazyLinear(7)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.used(x)

    recorded = trace(Unused(), (torch.randn(1, 2),))
    spare = recorded.linears[1]
    assert (spare.in_features, spare.weight_shape, spare.params) == (0, (7, 0), 0)
    assert (spare.weight_stats, spare.bias_stats) == (None, None)
    assert spare.calls == ()
    assert recorded.params == 6


def test_multihead_attention_out_proj_is_used_by_its_parent() -> None:
    model = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    recorded = trace(model, (torch.randn(2, 5, 8),))
    rows = {r.name: r for r in recorded.linears}
    assert rows["self_attn.out_proj"].used_by == "self_attn"
    assert rows["self_attn.out_proj"].calls == ()
    assert [c.input_shape for c in rows["linear1"].calls] == [(2, 5, 8)]
    assert rows["linear1"].used_by is None
    # through F.relu and a Dropout: linear2's input size was decided by linear1
    assert rows["linear2"].calls[0].producer == Producer("linear1", "Linear", (8, 16))


@pytest.mark.parametrize(
    ("model", "culprit", "culprit_type", "exception"),
    [
        pytest.param(
            nn.Sequential(nn.Linear(4, 8), nn.Conv1d(5, 2, 1)),
            "1",
            "Conv1d",
            "RuntimeError",
            id="after-linear",
        ),
        pytest.param(
            nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3)), nn.Flatten()),
            "0.0",
            "Conv2d",
            "RuntimeError",
            id="nested-conv",
        ),
    ],
)
def test_failure_names_the_innermost_running_module(
    model: nn.Module, culprit: str, culprit_type: str, exception: str
) -> None:
    recorded = trace(model, (torch.randn(2, 4),))
    assert recorded.failure is not None
    assert (recorded.failure.module, recorded.failure.module_type) == (culprit, culprit_type)
    assert recorded.failure.exception_type == exception
    assert recorded.output_shape is None


def test_failure_in_the_models_own_code_and_after_a_caught_exception() -> None:
    class Careful(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wrong = nn.Conv1d(3, 3, 1)
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            try:
                self.wrong(x)  # raises; the model catches it itself
            except RuntimeError:
                pass
            y = self.fc(x)
            if y.shape[-1] != 5:  # pytest would rewrite a bare assert's message
                raise AssertionError("expected 5 features")
            return y

    recorded = trace(Careful(), (torch.randn(2, 4),))
    assert recorded.failure is not None
    assert (recorded.failure.module, recorded.failure.module_type) == (ROOT_NAME, "Careful")
    assert (recorded.failure.exception_type, recorded.failure.message) == (
        "AssertionError",
        "expected 5 features",
    )
    rows = {r.name: r for r in recorded.linears}
    (call,) = rows["fc"].calls
    assert (call.input_shape, call.output_shape, call.producer) == ((2, 4), (2, 4), MODEL_INPUT)
    # The conv that raised before the failure was the model's to catch: not repaired.
    assert recorded.repaired == ()
    assert recorded.failure.after_recovery is False


@pytest.mark.parametrize(
    ("output", "shape"),
    [
        pytest.param(lambda x: (x, x.sum()), (2, 3), id="tuple"),
        pytest.param(lambda x: {"logits": x[:, :1], "hidden": x}, (2, 1), id="dict"),
        pytest.param(lambda x: [[None, x]], (2, 3), id="nested"),
        pytest.param(lambda x: None, None, id="none"),
    ],
)
def test_output_shape_is_the_first_tensor(output: object, shape: tuple[int, ...] | None) -> None:
    class Out(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> object:
            return output(self.fc(x))  # type: ignore[operator]

    assert trace(Out(), (torch.randn(2, 3),)).output_shape == shape


def test_meta_device_has_shapes_but_no_values() -> None:
    with torch.device("meta"):
        model = mlp()
    recorded = trace(model, (torch.empty(3, 784, device="meta"),))
    assert recorded.device == "meta"
    assert [(r.weight_stats, r.bias_stats) for r in recorded.linears] == [(None, None)] * 2
    assert [(c.input_shape, c.output_shape) for c in recorded.linears[1].calls] == [
        ((3, 256), (3, 10))
    ]
    assert recorded.params == 203_530


def test_frozen_parameters_and_half_precision() -> None:
    model = mlp().half()
    model[0].requires_grad_(False)
    recorded = trace(model, (torch.randn(3, 784, dtype=torch.float16),))
    assert recorded.trainable_params == 2_570
    assert recorded.param_bytes == 203_530 * 2
    assert recorded.dtype == "float16"


def test_a_wrong_input_is_recorded_then_replaced_so_later_layers_run() -> None:
    model = nn.Sequential(nn.Linear(10, 20), nn.Linear(30, 40), nn.ReLU(), nn.Linear(50, 2))
    recorded = trace(model, (torch.randn(2, 10),))
    assert recorded.failure is None
    first, second, third = (r.calls for r in recorded.linears)
    assert first == (LinearCall((2, 10), (2, 20), MODEL_INPUT),)
    assert second == (LinearCall((2, 20), (2, 40), Producer("0", "Linear", (10, 20))),)
    assert third == (
        LinearCall((2, 40), (2, 2), Producer("1", "Linear", (30, 40)), after_recovery=True),
    )
    assert recorded.output_shape == (2, 2)


def test_an_unflattened_map_is_flattened_to_keep_going() -> None:
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Linear(4 * 8 * 8, 5), nn.Linear(5, 1)
    )
    recorded = trace(model, (torch.randn(2, 3, 8, 8),))
    head, tail = recorded.linears
    (call,) = head.calls
    assert (call.input_shape, call.output_shape) == ((2, 4, 8, 8), (2, 5))
    assert call.producer == Producer("0", "Conv2d") and call.from_feature_map
    assert tail.calls == (
        LinearCall((2, 5), (2, 1), Producer("2", "Linear", (256, 5)), after_recovery=True),
    )


@pytest.mark.parametrize(
    ("layers", "sample", "feature_map"),
    [
        pytest.param(
            [nn.Conv1d(4, 8, 3), nn.ReLU(), nn.Dropout()], (4, 32), True, id="conv-relu-drop"
        ),
        pytest.param(
            [nn.Conv2d(4, 8, 1), nn.BatchNorm2d(8)], (4, 3, 30), True, id="conv-batchnorm"
        ),
        pytest.param([nn.AdaptiveAvgPool1d(30)], (4, 32), True, id="pool"),
        pytest.param([nn.Linear(32, 30), nn.GELU()], (4, 32), False, id="linear-gelu"),
        pytest.param([nn.LayerNorm(32), nn.Linear(32, 30)], (4, 32), False, id="layernorm-linear"),
        pytest.param([nn.Embedding(10, 30)], (4,), False, id="embedding"),
        pytest.param(
            [nn.Conv1d(4, 8, 3), nn.Flatten(), nn.Unflatten(1, (8, 30))],
            (4, 32),
            False,
            id="reshaped",
        ),
    ],
)
def test_feature_maps_are_recognised_through_shape_preserving_layers(
    layers: list[nn.Module], sample: tuple[int, ...], feature_map: bool
) -> None:
    model = nn.Sequential(*layers, nn.Linear(30, 2))
    x = (
        torch.randint(0, 10, (2, *sample))
        if isinstance(layers[0], nn.Embedding)
        else torch.randn(2, *sample)
    )
    (call,) = trace(model, (x,)).linears[-1].calls
    assert call.input_shape is not None and call.input_shape[-1] == 30
    assert call.from_feature_map is feature_map


def test_code_in_forward_is_credited_to_the_last_module_that_ran() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.fc = nn.Linear(2 * 6 * 6, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(torch.relu(self.conv(x)))  # forgot to flatten

    (call,) = trace(Functional(), (torch.randn(2, 1, 8, 8),)).linears[0].calls
    assert call.producer == Producer("conv", "Conv2d")
    assert call.from_feature_map and call.input_shape == (2, 2, 6, 6)


def test_every_call_of_a_shared_linear_is_checked_and_recovered() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shared = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return self.shared(x) + self.shared(y)

    (row,) = trace(Twice(), (torch.randn(2, 4), torch.randn(2, 6))).linears
    assert [(c.input_shape, c.output_shape, c.after_recovery) for c in row.calls] == [
        ((2, 4), (2, 4), False),
        ((2, 6), (2, 4), False),
    ]


def test_meta_device_recovers_the_same_way() -> None:
    with torch.device("meta"):
        model = nn.Sequential(nn.Linear(10, 20), nn.Linear(30, 2))
    recorded = trace(model, (torch.empty(2, 10, device="meta"),))
    assert recorded.failure is None
    assert [c.input_shape for c in recorded.linears[1].calls] == [(2, 20)]
    assert recorded.output_shape == (2, 2)


def test_failure_after_recovery_says_so_and_keeps_its_traceback() -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.Linear(5, 8), nn.Conv1d(3, 3, 1))
    recorded = trace(model, (torch.randn(2, 4),))
    assert recorded.failure is not None
    assert recorded.failure.after_recovery is True
    assert (recorded.failure.module, recorded.failure.module_type) == ("2", "Conv1d")
    assert "Traceback (most recent call last)" in recorded.failure.traceback


class _ManyOutputs(nn.Module):
    """A Hugging Face-like output: a dict with nested tuples and lists, and a non-tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> dict[str, object]:
        y = self.fc(x)
        return {"logits": y, "hidden": (x, [y, y.sum()]), "count": 3}


def test_every_output_tensor_is_recorded_by_place() -> None:
    recorded = trace(_ManyOutputs(), (torch.zeros(2, 4),))
    assert recorded.outputs == (
        ("logits", (2, 3)),
        ("hidden.0", (2, 4)),
        ("hidden.1.0", (2, 3)),
        ("hidden.1.1", ()),
    )
    assert recorded.output_shape == (2, 3)  # the first, as before
    alone = trace(nn.Linear(4, 3), (torch.zeros(2, 4),))
    assert alone.outputs == (("", (2, 3)),)


def test_every_output_in_json_and_under_the_table() -> None:
    from linearcli import inspect_model
    from linearcli.render.cells import totals_lines

    report = inspect_model(_ManyOutputs(), torch.zeros(2, 4))
    assert report.to_dict()["outputs"] == [
        {"name": "logits", "shape": [2, 3]},
        {"name": "hidden.0", "shape": [2, 4]},
        {"name": "hidden.1.0", "shape": [2, 3]},
        {"name": "hidden.1.1", "shape": []},
    ]
    assert totals_lines(report)[-1] == (
        "input (2, 4) → outputs logits (2, 3), hidden.0 (2, 4), hidden.1.0 (2, 3), 1 more on cpu"
    )
    single = inspect_model(nn.Linear(4, 3), torch.zeros(2, 4))
    assert totals_lines(single)[-1] == "input (2, 4) → output (2, 3) on cpu"


class SwinStyleAttention(nn.Module):
    """Swin's window attention and Mamba's dt_proj: a Linear's weight given to F.linear."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(8, 24)
        self.dt_proj = nn.Linear(8, 8, bias=False)
        self.unused = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = nn.functional.linear(x, self.qkv.weight, self.qkv.bias).chunk(3, dim=-1)
        return q + k + v @ self.dt_proj.weight.t()


def test_a_linear_whose_weight_a_forward_applies_is_used_not_dead() -> None:
    recorded = trace(SwinStyleAttention(), (torch.randn(2, 5, 8),))
    rows = {r.name: r for r in recorded.linears}
    assert {name: (r.calls, r.used_by) for name, r in rows.items()} == {
        "qkv": ((), ROOT_NAME),
        "dt_proj": ((), ROOT_NAME),
        "unused": ((), None),
    }
    assert recorded.output_shape == (2, 5, 8)


def test_a_weight_applied_inside_a_submodule_names_that_submodule() -> None:
    model = nn.Sequential(nn.Linear(8, 8), SwinStyleAttention())
    for device in ("cpu", "meta"):
        recorded = trace(model.to(device), (torch.randn(2, 8, device=device),))
        assert {r.name: r.used_by for r in recorded.linears} == {
            "0": None,
            "1.qkv": "1",
            "1.dt_proj": "1",
            "1.unused": None,
        }


@pytest.mark.parametrize("shift", [0.0, 100.0], ids=["centred", "far-from-zero"])
def test_a_large_weights_std_is_exact_wherever_its_mean_lies(shift: float) -> None:
    # Read where it lies: from the sum of squares when the mean is small beside the
    # spread, from the deviations when it is not (100 +- 0.01: squares would cancel).
    torch.manual_seed(0)
    layer = nn.Linear(512, 256)
    with torch.no_grad():
        layer.weight.normal_(shift, 0.01)
    stats = trace(layer, (torch.zeros(1, 512),)).linears[0].weight_stats
    exact = layer.weight.detach().double()
    assert stats is not None and stats.count == 512 * 256
    assert stats.std == pytest.approx(float(exact.std()), rel=1e-5)
    assert stats.mean == pytest.approx(float(exact.mean()), rel=1e-6)


class ChannelsLast(nn.Module):
    """ConvNeXt's block: a depthwise conv, then LayerNorm and a Linear over the channels of
    the permuted map. 8 channels at 8 x 8: the permuted map has the conv output's shape."""

    def __init__(self, permute: bool) -> None:
        super().__init__()
        self.permute = permute
        self.conv = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return self.fc(self.norm(x.permute(0, 2, 3, 1) if self.permute else x))


def test_a_permuted_map_is_judged_by_its_layout_not_its_shape() -> None:
    from linearcli import inspect_model

    x = torch.randn(2, 8, 8, 8)
    assert inspect_model(ChannelsLast(permute=True), x).diagnostics == ()
    (finding,) = inspect_model(ChannelsLast(permute=False), x).diagnostics
    assert (finding.code, finding.layer) == ("unflattened-input", "fc")


def test_a_nested_tensor_fast_path_is_traced_without_shapes() -> None:
    """nn.TransformerEncoder with a padding mask in eval runs on nested (ragged) tensors,
    which have no single shape: the Linears are called, with no shape to show."""
    from linearcli import inspect_model

    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2).eval()
    x, mask = torch.randn(2, 5, 32), torch.zeros(2, 5, dtype=torch.bool)
    mask[1, 3:] = True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
        report = inspect_model(encoder, x, src_key_padding_mask=mask)
    assert report.diagnostics == () and report.outputs == (("", (2, 5, 32)),)
    calls = {layer.name: (layer.calls, layer.used_by) for layer in report.layers}
    assert calls["layers.0.linear1"] == (1, None) and calls["layers.1.linear2"] == (1, None)
    assert calls["layers.1.self_attn.in_proj"] == (0, "layers.1.self_attn")
    assert report.totals.params == sum(p.numel() for p in encoder.parameters())
