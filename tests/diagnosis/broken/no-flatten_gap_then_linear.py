"""A CNN with global average pooling whose (B, 64, 1, 1) output goes straight to fc.

AdaptiveAvgPool2d(1) keeps two axes of size 1; without flatten(1) the Linear reads
the last one (1 feature) instead of the 64 channels.
"""
# Source: PyTorch forum threads on AdaptiveAvgPool2d(1) followed by nn.Linear
# ("mat1 and mat2 shapes cannot be multiplied (256x1 and 64x10)").

import torch
from torch import nn


class GapNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1, stride=2),
            nn.BatchNorm2d(64),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.fc(x)


def example_input():
    return torch.randn(4, 3, 32, 32)


RAISES = ("forward", RuntimeError, "(256x1 and 64x10)")

EXPECTED = {
    "family": "no-flatten",
    "silent": False,
    "source": "PyTorch forum: AdaptiveAvgPool2d(1) output fed to nn.Linear unflattened",
    "findings": [
        {
            "layer": "fc",
            "line": 29,
            "line_text": "return self.fc(x)",
            "numbers": [64],
            "wrong": [],
            "fix": "flatten the pooled maps: return self.fc(torch.flatten(x, 1)), "
            "(4, 64*1*1 = 64) for nn.Linear(64, 10)",
        },
    ],
}
