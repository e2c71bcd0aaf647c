"""--device cuda, on a machine with a GPU; skipped everywhere else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from linearcli import inspect_model

from .conftest import Result

Cli = Callable[..., Result]

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device"),
    pytest.mark.usefixtures("in_repo"),
]


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "auto"])
def test_cuda_gives_the_cpu_numbers(cli: Cli, device: str) -> None:
    on_gpu = cli("inspect", "specs/mlp.yaml", "--device", device, "-f", "json").json()
    on_cpu = cli("inspect", "specs/mlp.yaml", "-f", "json").json()
    assert on_gpu["device"] == "cuda:0"
    assert on_gpu["totals"] == on_cpu["totals"]
    # Built on the CPU and moved: one seed, the same weights on every device.
    assert [layer["weight_range"] for layer in on_gpu["layers"]] == [
        layer["weight_range"] for layer in on_cpu["layers"]
    ]
    assert on_gpu["diagnostics"] == []


def test_diagnostics_are_the_same_on_cuda(cli: Cli) -> None:
    spec = "specs/broken/three_mismatches.yaml"
    on_gpu = cli("inspect", spec, "--device", "cuda", "-f", "json").json()["diagnostics"]
    assert on_gpu == cli("inspect", spec, "-f", "json").json()["diagnostics"]


def test_inspect_model_leaves_a_cuda_model_on_cuda() -> None:
    model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2)).cuda().train()
    report = inspect_model(model, torch.randn(3, 8, device="cuda"))
    assert report.device == "cuda:0" and report.ok
    assert all(p.device.type == "cuda" for p in model.parameters()) and model.training


def test_a_budget_on_the_gpu_falls_back_to_meta(cli: Cli) -> None:
    result = cli(
        "inspect", "specs/mlp.yaml", "--device", "cuda", "--max-memory", "100KB", "-f", "json"
    )
    data = result.json()
    assert data["device"] == "meta" and [d["code"] for d in data["diagnostics"]] == [
        "meta-fallback"
    ]
