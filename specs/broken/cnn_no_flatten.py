"""The classic CNN that forgets to flatten before its classifier.

Expect: unflattened-input error on fc1: 16*16*16 = 4096.
"""

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 16 * 16, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        # missing: x = torch.flatten(x, 1)
        return self.fc1(x)


def example_input():
    return torch.randn(2, 3, 32, 32)
