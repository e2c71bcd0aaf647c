from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from linearcli.trace import ROOT_NAME, LinearCall, trace


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
    assert hidden.calls == (LinearCall((3, 784), (3, 256)),)
    assert output.calls == (LinearCall((3, 256), (3, 10)),)
    assert output.params == 2_570
    bound = 1 / math.sqrt(784)
    assert hidden.weight_range is not None
    assert (
        -bound <= hidden.weight_range[0] < -0.9 * bound
        and 0.9 * bound < hidden.weight_range[1] <= bound
    )
    assert (recorded.params, recorded.trainable_params, recorded.linear_params) == (
        203_530,
        203_530,
        203_530,
    )
    assert recorded.param_bytes == 203_530 * 4
    assert recorded.input_shapes == ((3, 784),) and recorded.output_shape == (3, 10)
    assert (recorded.device, recorded.dtype, recorded.failure) == ("cpu", "float32", None)


def test_hooks_removed_and_modes_restored_even_when_forward_fails() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(), nn.Sequential(nn.Linear(5, 2)))
    model.train()
    model[1].eval()  # a mixed state must come back exactly
    before = [m.training for m in model.modules()]
    recorded = trace(model, (torch.randn(2, 4),))
    assert recorded.failure is not None
    assert hook_count(model) == 0
    assert [m.training for m in model.modules()] == before


def test_runs_in_eval_mode_without_grad() -> None:
    seen: list[tuple[bool, bool]] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append((self.training, torch.is_grad_enabled()))
            return x

    model = nn.Sequential(Probe(), nn.Linear(2, 2)).train()
    trace(model, (torch.randn(1, 2),))
    assert seen == [(False, False)]
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
    assert (spare.in_features, spare.weight_shape, spare.params, spare.weight_range) == (
        0,
        (7, 0),
        0,
        None,
    )
    assert spare.calls == ()
    assert recorded.params == 6


def test_multihead_attention_out_proj_is_used_by_its_parent() -> None:
    model = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    recorded = trace(model, (torch.randn(2, 5, 8),))
    rows = {r.name: r for r in recorded.linears}
    assert rows["self_attn.out_proj"].used_by == "self_attn"
    assert rows["self_attn.out_proj"].calls == ()
    assert rows["linear1"].calls == (LinearCall((2, 5, 8), (2, 5, 16)),)
    assert rows["linear1"].used_by is None


@pytest.mark.parametrize(
    ("model", "culprit", "culprit_type", "exception"),
    [
        pytest.param(
            nn.Sequential(nn.Linear(4, 8), nn.Linear(5, 2)),
            "1",
            "Linear",
            "RuntimeError",
            id="linear",
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
            self.wrong = nn.Linear(3, 3)
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
    assert rows["wrong"].calls == (LinearCall((2, 4), None),)
    assert rows["fc"].calls == (LinearCall((2, 4), (2, 4)),)


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
    assert [r.weight_range for r in recorded.linears] == [None, None]
    assert recorded.linears[1].calls == (LinearCall((3, 256), (3, 10)),)
    assert recorded.params == 203_530


def test_frozen_parameters_and_half_precision() -> None:
    model = mlp().half()
    model[0].requires_grad_(False)
    recorded = trace(model, (torch.randn(3, 784, dtype=torch.float16),))
    assert recorded.trainable_params == 2_570
    assert recorded.param_bytes == 203_530 * 2
    assert recorded.dtype == "float16"
