"""Weights ported from Keras, whose Dense kernel is (in, out), assigned as they are.

nn.Linear(20, 8) keeps its weight (out, in) = (8, 20); the (20, 8) kernel goes in
unchanged. Expect: transposed-weight on dense, at the assignment line.
"""

import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(20, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(torch.relu(self.dense(x)))


def build_model():
    model = Scorer()
    kernel = torch.randn(20, 8) * 0.1  # what Keras' get_weights() gave for Dense(8)
    model.dense.weight = nn.Parameter(kernel)
    return model


def example_input():
    return torch.randn(3, 20)
