"""A cosine classifier whose head rows are normalised right after a zero init: 0 / 0 is NaN.

Expect: non-finite-weights error on head (exit 1).
"""

import torch
from torch import nn


class CosineClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 8)
        self.head = nn.Linear(8, 4, bias=False)
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():  # unit-norm rows, as cosine heads want; a zero row has no norm
            self.head.weight /= self.head.weight.norm(dim=1, keepdim=True)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


def example_input():
    return torch.randn(2, 16)
