"""A transformer block whose head count does not divide its width."""

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim=100, heads=3):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        y, _ = self.attn(x, x, x)
        return self.head(y[:, 0])


def example_input():
    return torch.randn(2, 7, 100)
