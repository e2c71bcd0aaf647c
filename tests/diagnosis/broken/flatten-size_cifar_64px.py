"""The CIFAR-10 tutorial network, written for 32x32 images, fed 64x64 crops.

Two 5x5 convolutions and two poolings leave 16 maps of 13x13 for a 64-pixel image
(64 -> 60 -> 30 -> 26 -> 13), but fc1 was sized for the 5x5 maps of a 32-pixel one.
"""
# Source: PyTorch forum questions about the "Training a Classifier" tutorial's Net on
# larger images ("mat1 and mat2 shapes cannot be multiplied (4x2704 and 400x120)").

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def example_input():
    # Four 64x64 RGB crops from the new dataset.
    return torch.randn(4, 3, 64, 64)


RAISES = ("forward", RuntimeError, "mat1 and mat2 shapes cannot be multiplied (4x2704 and 400x120)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "PyTorch forum: the CIFAR-10 tutorial Net fed 64x64 images",
    "findings": [
        {
            "layer": "fc1",
            "line": 20,
            "line_text": "nn.Linear(16 * 5 * 5, 120)",
            "numbers": [2704],
            "wrong": [],
            "fix": "set fc1's in_features to 16*13*13 = 2704 (nn.Linear(2704, 120)), "
            "or resize the images to 32x32",
        },
    ],
}
