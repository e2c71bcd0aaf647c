"""The init audit names the scheme that drew a weight, from its min, max, mean and std."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import pytest
import torch
from torch import nn

from linearcli.recognise import recognise
from linearcli.records import Stats

SEEDS = 100


def observed(values: torch.Tensor) -> Stats:
    flat = values.double().reshape(-1)
    return Stats(
        float(flat.min()), float(flat.max()), float(flat.mean()), float(flat.std()), flat.numel()
    )


def label(values: torch.Tensor, *, linear: bool = True, bias: bool = False) -> str | None:
    out_features, in_features = values.shape if values.ndim == 2 else (values.shape[0], 64)
    found = recognise(observed(values), in_features, out_features, linear=linear, bias=bias)
    return found.scheme if found else None


Init = Callable[[torch.Tensor], object]
SCHEMES: list[tuple[str, Init, str]] = [
    ("default", lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)), "default"),
    ("xavier_uniform", nn.init.xavier_uniform_, "xavier_uniform_"),
    (
        "kaiming_uniform",
        lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
        "kaiming_uniform_(nonlinearity='relu')",
    ),
    ("uniform", lambda w: nn.init.uniform_(w, -0.05, 0.05), "uniform_(a=-0.05, b=0.05)"),
    ("rand", lambda w: nn.init.uniform_(w, 0.0, 1.0), "uniform_(a=0, b=1)"),
    ("normal", lambda w: nn.init.normal_(w, std=0.02), "normal_(std=0.02)"),
    ("normal_mean", lambda w: nn.init.normal_(w, mean=0.5, std=0.1), "normal_(mean=0.5, std=0.1)"),
    ("xavier_normal", nn.init.xavier_normal_, "xavier_normal_"),
    (
        "kaiming_normal",
        lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
        "kaiming_normal_(nonlinearity='relu')",
    ),
    ("orthogonal", nn.init.orthogonal_, "orthogonal_"),
    # timm's trunc_normal_(std=0.02) cuts at +-2 absolute: 100 deviations, a normal draw
    ("trunc_normal_timm", lambda w: nn.init.trunc_normal_(w, std=0.02), "normal_(std=0.02)"),
    (
        "trunc_normal",
        lambda w: nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04),
        "trunc_normal_(std=0.02, a=-0.04, b=0.04)",
    ),
]


@pytest.mark.parametrize("shape", [(64, 32), (256, 128)], ids=["64x32", "256x128"])
@pytest.mark.parametrize(("name", "init", "expected"), SCHEMES, ids=[s[0] for s in SCHEMES])
def test_each_scheme_is_named_for_99_percent_of_seeds(
    name: str, init: Init, expected: str, shape: tuple[int, int]
) -> None:
    labels: Counter[str | None] = Counter()
    for seed in range(SEEDS):
        torch.manual_seed(seed)
        weight = torch.empty(shape)
        init(weight)
        labels[label(weight)] += 1
    assert labels[expected] >= 0.99 * SEEDS, labels.most_common(3)


def test_a_square_matrix_says_which_normal_schemes_it_could_be() -> None:
    """Xavier-normal and orthogonal draw a square matrix with the same std: both named."""
    torch.manual_seed(0)
    weight = nn.init.orthogonal_(torch.empty(128, 128))
    assert label(weight) == "xavier_normal_ or orthogonal_"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (torch.zeros(32, 16), "zeros_"),
        (torch.ones(32, 16), "ones_"),
        (torch.full((32, 16), 0.5), "constant_(val=0.5)"),
    ],
)
def test_constants(values: torch.Tensor, expected: str) -> None:
    assert label(values) == expected


def test_values_no_scheme_draws_are_not_named() -> None:
    torch.manual_seed(0)
    laplace = torch.distributions.Laplace(0.0, 0.02).sample((256, 128))  # heavy tails
    assert label(laplace) is None
    sparse = torch.zeros(256, 128)
    sparse[::7, ::3] = torch.randn(37, 43)  # mostly zeros, a few large values
    assert label(sparse) is None
    skewed = torch.rand(256, 128) ** 4  # piled up at zero, no symmetric shape
    assert label(skewed) is None


def test_a_few_values_are_named_only_as_the_default_they_could_be() -> None:
    torch.manual_seed(0)
    layer = nn.Linear(16, 4)  # 64 weights, 4 biases: too few to tell a shape
    assert label(layer.weight.detach()) == "default"
    assert label(layer.bias.detach()[None], bias=True) == "default"
    normal = nn.init.normal_(torch.empty(4, 16), std=0.02)
    assert label(normal, linear=False) is None  # not a Linear: no default to be


def test_a_bias_is_matched_with_the_default_only() -> None:
    """Xavier and Kaiming are for weights; a bias U(+-sqrt(6/in)) is a plain uniform."""
    torch.manual_seed(0)
    bias = nn.init.uniform_(torch.empty(1, 512), -0.25, 0.25)
    found = recognise(observed(bias), 96, 512, linear=True, bias=True)
    assert found is not None and found.scheme == "uniform_(a=-0.25, b=0.25)"
    assert found.bound == pytest.approx(0.25) and found.std == pytest.approx(0.25 / math.sqrt(3))


def test_nan_values_are_not_named() -> None:
    assert (
        recognise(Stats(math.nan, math.nan, math.nan, math.nan, 64, 3), 8, 8, linear=True) is None
    )


def test_the_parameter_has_every_digit_the_count_can_tell() -> None:
    """GPT-2's tied 50257 x 768 head: 38.6 M values measure a std of 0.01995 to about
    0.01%; 0.02 is outside what they allow, so the fourth digit stays."""
    std = 0.01995
    many = Stats(-5.6 * std, 5.6 * std, 0.0, std, 50257 * 768)
    assert label_of(many) == "normal_(std=0.01995)"
    few = Stats(-4.2 * std, 4.2 * std, 0.0, std, 64 * 32)  # 0.02 is within chance
    assert label_of(few) == "normal_(std=0.02)"


def label_of(stats: Stats) -> str | None:
    found = recognise(stats, 768, 768, linear=True)
    return found.scheme if found else None


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_the_default_in_half_precision_is_still_the_default(dtype: torch.dtype) -> None:
    """Rounding to 8 or 11 significant bits moves the extremes by up to 1/256."""
    for seed in range(SEEDS):
        torch.manual_seed(seed)
        weight = nn.Linear(784, 256).to(dtype).weight.detach()
        assert label(weight) == "default", seed


def test_a_cut_at_three_deviations_names_its_bounds() -> None:
    for seed in range(20):
        torch.manual_seed(seed)
        weight = nn.init.trunc_normal_(torch.empty(1024, 256), std=0.02, a=-0.06, b=0.06)
        assert label(weight) == "trunc_normal_(std=0.02, a=-0.06, b=0.06)", seed


def test_a_constant_keeps_its_digits() -> None:
    found = recognise(Stats(1 / 3, 1 / 3, 1 / 3, 0.0, 64), 8, 8, linear=True)
    assert found is not None and found.scheme == "constant_(val=0.3333333333333333)"
