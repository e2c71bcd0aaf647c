"""A VGG-like feature extractor whose second convolution expects 64 channels.

conv1 makes 32 maps; conv2 was written with in_channels=64 (the width of the model
it was copied from).
"""
# Source: Q&A page on Conv2d channel mismatches between consecutive layers
# ("self.conv2 = nn.Conv2d(64, 64, 3)  # the previous layer gives 32"),
# https://www.iiask.com/34l58747.html

import torch
from torch import nn


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(64 * 8 * 8, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        return self.head(x.flatten(1))


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("forward", RuntimeError, "expected input[2, 32, 16, 16] to have 64 channels, but got 32")

EXPECTED = {
    "family": "conv-channels",
    "silent": False,
    "source": "Q&A: consecutive Conv2d layers with 32 out and 64 in channels",
    "findings": [
        {
            "layer": "conv2",
            "line": 19,
            "line_text": "self.conv2 = nn.Conv2d(64, 64, 3, padding=1)",
            "numbers": [32],
            "wrong": [],
            "fix": "conv1 gives 32 channels: nn.Conv2d(32, 64, 3, padding=1)",
        },
    ],
}
