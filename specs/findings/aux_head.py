"""An Inception-style network whose auxiliary classifier runs only in training."""

import torch
from torch import nn


class WithAux(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.aux = nn.Linear(32, 10)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = self.body(x)
        if self.training:
            return self.head(x), self.aux(x)
        return self.head(x)


def example_input():
    return torch.randn(4, 16)
