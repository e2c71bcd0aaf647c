"""A reshape in forward() with the sizes of another input resolution.

Expect: forward-error in the model itself, at the line of the view().
"""

import torch
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 14 * 14, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.view(-1, 6 * 14 * 14)  # 14x14 was for 32x32 inputs; these are 28x28
        return self.fc(x)


def example_input():
    return torch.randn(2, 1, 28, 28)
