"""A Sequential CNN classifier with no nn.Flatten() between the convolutions and Linear.

The Linear is sized for the flattened maps (8*14*14 = 1568), but it receives the
(B, 8, 14, 14) maps themselves and multiplies their last axis (14).
"""
# Source: Stack Overflow questions on nn.Sequential CNNs that forgot nn.Flatten()
# ("mat1 and mat2 shapes cannot be multiplied (448x14 and 1568x10)").

import torch
from torch import nn


class ConvClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Linear(8 * 14 * 14, 10),
        )

    def forward(self, x):
        return self.net(x)


def example_input():
    return torch.randn(4, 1, 28, 28)


RAISES = ("forward", RuntimeError, "(448x14 and 1568x10)")

EXPECTED = {
    "family": "no-flatten",
    "silent": False,
    "source": "Stack Overflow: nn.Sequential CNN without nn.Flatten() before the Linear",
    "findings": [
        {
            "layer": "net.3",
            "line": 20,
            "line_text": "nn.Linear(8 * 14 * 14, 10)",
            "numbers": [1568],
            "wrong": [],
            "fix": "insert nn.Flatten() before net.3: 8*14*14 = 1568 features, which "
            "nn.Linear(1568, 10) takes as it is",
        },
    ],
}
