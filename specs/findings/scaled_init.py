"""A hand-rolled init that scales one layer's weights up a hundredfold."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 10)
        with torch.no_grad():
            self.fc1.weight.mul_(100)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    return torch.randn(4, 64)
