"""A two-block MNIST CNN whose output layer was sized by a wrong hand calculation.

Both convolutions keep the size (padding=2) and each pooling halves it, so a 28x28
digit leaves 32 maps of 7x7 = 1568 features; the Linear says 1050.
"""
# Source: tutorial on fixing "mat1 and mat2 shapes cannot be multiplied (2x1568 and
# 1050x10)" in a two-conv MNIST classifier,
# https://androidkt.com/fix-runtimeerror-mat1-and-mat2-shapes-cannot-be-multiplied/

import torch
from torch import nn


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(
            nn.Conv2d(in_channels=1, out_channels=16, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2),
        )
        self.block2 = nn.Sequential(
            nn.Conv2d(16, 32, 5, 1, 2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        # 10 digit classes
        self.out = nn.Linear(1050, 10)

    def forward(self, x):
        x = self.block1(x)
        x = self.block2(x)
        x = x.view(x.size(0), -1)  # (batch, 32 * 7 * 7)
        return self.out(x)


def example_input():
    return torch.randn(2, 1, 28, 28)


RAISES = ("forward", RuntimeError, "(2x1568 and 1050x10)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "tutorial: MNIST CNN with nn.Linear(1050, 10) after 32x7x7 maps (androidkt)",
    "findings": [
        {
            "layer": "out",
            "line": 28,
            "line_text": "nn.Linear(1050, 10)",
            "numbers": [1568],
            "wrong": [],
            "fix": "set out's in_features to 32*7*7 = 1568: nn.Linear(1568, 10)",
        },
    ],
}
