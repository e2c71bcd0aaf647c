"""A regressor whose head squeezes only its last axis, so a batch of one keeps its axis.

.squeeze(-1) turns (B, 1) into (B,) for every B, 1 included.
"""
# Source: the fix recommended in squeeze() tutorials for regression heads
# (squeeze a named axis, not all of them).

import torch
from torch import nn


class PriceRegressor(nn.Module):
    def __init__(self, n_features=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


def example_input():
    return torch.randn(1, 8)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "squeeze tutorials: .squeeze(-1) keeps a batch of one",
    "findings": [],
}
