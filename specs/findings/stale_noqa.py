"""A suppression comment left behind after the mistake it hid was fixed."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 30)
        self.fc2 = nn.Linear(30, 2)  # linearcli: ignore[in-features-mismatch]

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    return torch.randn(4, 20)
