"""A train-mode pass is undone: buffers and random numbers as they were."""

from __future__ import annotations

import torch
from torch import nn

from linearcli import RunOptions, inspect_model, inspect_spec


class WithBatchNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.norm = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.5)
        self.aux = nn.Linear(8, 3)  # runs only in training, like Inception's aux head
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.drop(self.norm(self.fc1(x)))
        if self.training:
            self.aux(h)
        return self.fc2(h)


def test_train_mode_runs_train_only_layers_and_is_undone() -> None:
    torch.manual_seed(0)
    model = WithBatchNorm().eval()
    x = torch.randn(5, 4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    evaluated = inspect_model(model, x)
    trained = inspect_model(model, x, mode="train")
    assert {layer.name: layer.calls for layer in evaluated.layers} == {"fc1": 1, "aux": 0, "fc2": 1}
    assert {layer.name: layer.calls for layer in trained.layers} == {"fc1": 1, "aux": 1, "fc2": 1}
    assert [d.code for d in trained.diagnostics] == []
    after = model.state_dict()
    assert int(after["norm.num_batches_tracked"]) == 0  # the train pass counted one, undone
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert torch.equal(torch.get_rng_state(), rng)  # dropout's draws, undone
    assert not model.training and not model.norm.training


def test_mode_from_options_and_cli(cli: object, in_repo: object) -> None:
    report = inspect_spec("specs/mlp.yaml", RunOptions(mode="train"))
    assert [layer.calls for layer in report.layers] == [1, 1]
