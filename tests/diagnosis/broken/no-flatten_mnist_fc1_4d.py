"""An MNIST CNN that hands the pooled feature maps straight to fc1.

fc1 = nn.Linear(320, 50) was sized right (20*4*4 = 320), but the (10, 20, 4, 4)
maps are never flattened: the Linear reads their last axis (4) as the features.
"""
# Source: blog post on "size mismatch, m1: [800 x 4], m2: [320 x 50]" in an MNIST
# CNN, https://blackberry.8miu.com/read-34393.html

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def example_input():
    return torch.randn(10, 1, 28, 28)


RAISES = ("forward", RuntimeError, "(800x4 and 320x50)")

EXPECTED = {
    "family": "no-flatten",
    "silent": False,
    "source": "blog: MNIST CNN, size mismatch m1: [800 x 4], m2: [320 x 50]",
    "findings": [
        {
            "layer": "fc1",
            "line": 26,
            "line_text": "x = F.relu(self.fc1(x))",
            "numbers": [320],
            "wrong": [],
            "fix": "flatten before fc1: x = torch.flatten(x, 1) gives (10, 20*4*4 = 320), "
            "which nn.Linear(320, 50) takes as it is",
        },
    ],
}
