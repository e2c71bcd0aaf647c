"""A classifier written for RGB images, trained on grey X-ray scans.

conv1 = nn.Conv2d(3, 16, 3) expects 3 input channels; the scans have one.
"""
# Source: error reference page for "Given groups=1, weight of size [16, 3, 3, 3],
# expected input[1, 1, 32, 32] to have 3 channels, but got 1 channels instead",
# https://errorcanon.top/errors/pytorch/conv2d-channels-mismatch/index.md

import torch
from torch import nn


class XrayNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 2)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return self.fc(self.pool(x).flatten(1))


def example_input():
    return torch.randn(2, 1, 64, 64)


RAISES = ("forward", RuntimeError, "expected input[2, 1, 64, 64] to have 3 channels, but got 1")

EXPECTED = {
    "family": "conv-channels",
    "silent": False,
    "source": "error reference: Conv2d(3, ...) given 1-channel images",
    "findings": [
        {
            "layer": "conv1",
            "line": 16,
            "line_text": "self.conv1 = nn.Conv2d(3, 16, 3, padding=1)",
            "numbers": [1],
            "wrong": [],
            "fix": "the scans have one channel: nn.Conv2d(1, 16, 3, padding=1) "
            "(or repeat them to 3 channels)",
        },
    ],
}
