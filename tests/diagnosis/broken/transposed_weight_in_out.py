"""A hand-made linear layer that stores its weight as (in_features, out_features).

F.linear computes x @ weight.T and so wants the weight as (out, in), like nn.Linear:
a (32, 64) weight for 32 -> 64 fails on any input of 32 features.
"""
# Source: PyTorch forum questions on custom linear layers whose weight parameter is
# created (in, out), as in the x @ W of a textbook, and then passed to F.linear.

import math

import torch
import torch.nn.functional as F
from torch import nn


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features) / math.sqrt(in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = MyLinear(32, 64)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        return self.out(torch.relu(self.proj(x)))


def build_model():
    return Net()


def example_input():
    return torch.randn(4, 32)


RAISES = ("forward", RuntimeError, "(4x32 and 64x32)")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "PyTorch forum: custom layer weight stored (in, out) and passed to F.linear",
    "findings": [
        {
            "layer": "proj",
            "line": 19,
            "line_text": "nn.Parameter(torch.randn(in_features, out_features)",
            "numbers": [],
            "wrong": [],
            "fix": "store the weight as (out_features, in_features) = (64, 32), as nn.Linear "
            "does, or compute x @ self.weight + self.bias",
        },
    ],
}
