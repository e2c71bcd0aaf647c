"""LeNet-5 as an nn.Sequential, written for 32x32 inputs, trained on 28x28 MNIST.

With no padding the two 5x5 convolutions leave 16 maps of 4x4 = 256 features for a
28-pixel digit, not the 16*5*5 = 400 of a 32-pixel one.
"""
# Source: Stack Overflow questions about LeNet-5 copied from the paper (32x32 input)
# and trained on torchvision's 28x28 MNIST without padding the first convolution.

import torch
from torch import nn


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.Tanh(),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def example_input():
    return torch.randn(8, 1, 28, 28)


RAISES = ("forward", RuntimeError, "(8x256 and 400x120)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "Stack Overflow: LeNet-5 for 32x32 trained on 28x28 MNIST",
    "findings": [
        {
            "layer": "classifier.1",
            "line": 26,
            "line_text": "nn.Linear(16 * 5 * 5, 120)",
            "numbers": [256],
            "wrong": [],
            "fix": "set classifier.1's in_features to 16*4*4 = 256 (nn.Linear(256, 120)), "
            "or pad the first convolution (padding=2) to keep 16*5*5 = 400",
        },
    ],
}
