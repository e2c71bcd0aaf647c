"""The PyTorch MNIST example after conv2 was widened from 20 to 64 channels.

Its forward still says x.view(-1, 320) (20*4*4) and fc1 still takes 320, but the
maps now hold 64*4*4 = 1024 values per image: 2048 values do not divide by 320.
"""
# Source: PyTorch forum questions about pytorch/examples mnist's x.view(-1, 320)
# after changing the convolution sizes ("shape '[-1, 320]' is invalid").

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 64, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def example_input():
    return torch.randn(2, 1, 28, 28)


RAISES = ("forward", RuntimeError, "shape '[-1, 320]' is invalid for input of size 2048")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "PyTorch forum: mnist example's x.view(-1, 320) after widening conv2",
    "findings": [
        {
            "layer": None,
            "line": 25,
            "line_text": "x = x.view(-1, 320)",
            "numbers": [1024],
            "wrong": [],
            "fix": "flatten per sample: x = x.view(x.size(0), -1) (64*4*4 = 1024 features)",
        },
        {
            "layer": "fc1",
            "line": 19,
            "line_text": "nn.Linear(320, 50)",
            "numbers": [1024],
            "wrong": [],
            "fix": "set fc1's in_features to 64*4*4 = 1024: nn.Linear(1024, 50)",
        },
    ],
}
