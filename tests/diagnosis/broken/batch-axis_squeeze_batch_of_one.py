"""A house-price regressor whose head squeezes away every axis of size 1.

.squeeze() meant to turn (B, 1) into (B,), but with a batch of one (a single house
at inference) it also drops the batch axis and returns a 0-d tensor.
"""
# Source: tutorial page on squeeze() in regression heads (a (n, 1) output against an
# (n,) target), https://fedorkobak.github.io/python/torch/tensor/dimentionality/squeeze.html

import torch
from torch import nn


class PriceRegressor(nn.Module):
    def __init__(self, n_features=8):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, 32),
            nn.ReLU(),
            nn.Linear(32, 16),
            nn.ReLU(),
        )
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze()


def example_input():
    # one house, as at serving time
    return torch.randn(1, 8)


SYMPTOM = {"output_shape": [], "correct_output_shape": [1]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "tutorial: squeeze() on a (n, 1) regression output drops n when n == 1",
    "findings": [
        {
            "layer": None,
            "line": 25,
            "line_text": "return self.head(self.body(x)).squeeze()",
            "numbers": [-1],
            "wrong": [],
            "fix": "squeeze only the feature axis: .squeeze(-1), which keeps the batch of 1",
        },
    ],
}
