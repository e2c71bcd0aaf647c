"""Logistic regression that multiplies by an nn.Linear's weight without transposing it.

nn.Linear stores its weight as (out, in) = (10, 784): x @ weight pairs the 784
pixels with the 10 rows. The layer itself computes x @ weight.T + bias.
"""
# Source: fast.ai forum question on re-creating nn.Linear's matrix product by hand
# ("size mismatch, m1: [64 x 784], m2: [10 x 784]").

import torch
from torch import nn


class LogReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, x):
        x = x.flatten(1)
        return x @ self.lin.weight + self.lin.bias


def example_input():
    return torch.randn(4, 1, 28, 28)


RAISES = ("forward", RuntimeError, "(4x784 and 10x784)")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "fast.ai forum: x @ a with a (10, 784) nn.Linear weight",
    "findings": [
        {
            "layer": "lin",
            "line": 20,
            "line_text": "return x @ self.lin.weight + self.lin.bias",
            "numbers": [],
            "wrong": [],
            "fix": "the weight is (out, in): x @ self.lin.weight.T + self.lin.bias, "
            "or simply self.lin(x)",
        },
    ],
}
