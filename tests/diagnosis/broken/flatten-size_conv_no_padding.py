"""A small CNN whose author assumed the 3x3 convolution keeps the image size.

Without padding the convolution turns 32x32 into 30x30 and the pooling into 15x15,
so fc gets 16*15*15 = 3600 features, not the 16*16*16 = 4096 written.
"""
# Source: PyTorch forum threads on computing in_features by hand after Conv2d without
# padding ("I thought the conv keeps 32x32").

import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, kernel_size=3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 16 * 16, num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = x.flatten(1)
        return self.fc(x)


def example_input():
    return torch.randn(4, 3, 32, 32)


RAISES = ("forward", RuntimeError, "(4x3600 and 4096x10)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "PyTorch forum: in_features computed as if Conv2d(3, 16, 3) kept 32x32",
    "findings": [
        {
            "layer": "fc",
            "line": 18,
            "line_text": "nn.Linear(16 * 16 * 16, num_classes)",
            "numbers": [3600],
            "wrong": [],
            "fix": "set fc's in_features to 16*15*15 = 3600, or give the convolution "
            "padding=1 to keep 16*16*16 = 4096",
        },
    ],
}
