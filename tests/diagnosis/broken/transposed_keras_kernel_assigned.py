"""A model whose Linear weights are replaced by a Keras Dense kernel after construction.

Keras stores a Dense kernel as (in, out) = (20, 8); nn.Linear keeps (out, in) =
(8, 20). The assignment puts the kernel in as it is, and the forward pass fails.
"""
# Source: notes on converting Keras weights to PyTorch ("Dense form issue: (i, o) in
# Keras, (o, i) in torch"), https://github.com/ArtemBoyarintsev/MachineLearningTools

import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(20, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.dense(x)))


def keras_weights():
    # What model.get_weights() gave for the Dense(8) layer: kernel (20, 8), bias (8,).
    generator = torch.Generator().manual_seed(1)
    return torch.randn(20, 8, generator=generator) * 0.1, torch.zeros(8)


def build_model():
    model = Scorer()
    kernel, bias = keras_weights()
    model.dense.weight = nn.Parameter(kernel)
    model.dense.bias = nn.Parameter(bias)
    return model


def example_input():
    return torch.randn(3, 20)


RAISES = ("forward", RuntimeError, "(3x20 and 8x20)")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "notes on porting Keras Dense kernels (in, out) into nn.Linear (out, in)",
    "findings": [
        {
            "layer": "dense",
            "line": 32,
            "line_text": "model.dense.weight = nn.Parameter(kernel)",
            "numbers": [],
            "wrong": [],
            "fix": "the kernel is stored (in, out) = (20, 8); nn.Linear needs (out, in): "
            "nn.Parameter(kernel.T)",
        },
    ],
}
