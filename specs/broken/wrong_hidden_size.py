"""The hidden size changed from 128 to 256 in one place only.

Expect: in-features-mismatch on fc2 (the line that constructs it).
"""

import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc2 = nn.Linear(128, 10)  # written when hidden was 128

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    return torch.randn(2, 784)
