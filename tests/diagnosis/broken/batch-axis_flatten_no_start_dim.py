"""A CNN that flattens with torch.flatten(x), which also flattens the batch.

torch.flatten's start_dim defaults to 0 (nn.Flatten's to 1): the (4, 16, 4, 4) maps
become one vector of 1024 values, and fc (256 in) gets a 1-D input of 1024.
"""
# Source: Stack Overflow, "Understanding torch.nn.Flatten" (torch.flatten flattens
# every axis by default), https://stackoverflow.com/questions/67460123/understanding-torch-nn-flatten

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(4)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = torch.flatten(x)
        return self.fc(x)


def example_input():
    return torch.randn(4, 1, 16, 16)


RAISES = ("forward", RuntimeError, "(1x1024 and 256x10)")

EXPECTED = {
    "family": "batch-axis",
    "silent": False,
    "source": "Stack Overflow: torch.flatten(x) flattens the batch axis too (start_dim=0)",
    "findings": [
        {
            "layer": None,
            "line": 22,
            "line_text": "x = torch.flatten(x)",
            "numbers": [1],
            "wrong": [1024],
            "fix": "keep the batch axis: torch.flatten(x, 1) gives (4, 16*4*4 = 256)",
        },
    ],
}
