"""A Linear defined in __init__ and never called in forward.

Expect: not-called warning on spare (exit 0, or 1 with --strict).
"""

import torch
from torch import nn


class WithSpare(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.spare = nn.Linear(4, 4)  # defined, never used

    def forward(self, x):
        return self.fc(x)


def example_input():
    return torch.randn(2, 8)
