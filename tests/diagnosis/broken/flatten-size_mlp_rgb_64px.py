"""An MNIST multilayer perceptron reused on 64x64 RGB images.

nn.Flatten turns each 3x64x64 image into 12288 values; the first Linear still
expects the 784 pixels of a 28x28 grey digit.
"""
# Source: Q&A page on "mat1 and mat2 shapes cannot be multiplied (62x12288 and
# 784x512)", https://taourl.com/read-1973755.html

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        return self.layers(self.flatten(x))


def example_input():
    return torch.randn(6, 3, 64, 64)


RAISES = ("forward", RuntimeError, "(6x12288 and 784x512)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "Q&A: MNIST MLP fed 3x64x64 images (62x12288 and 784x512)",
    "findings": [
        {
            "layer": "layers.0",
            "line": 18,
            "line_text": "nn.Linear(28 * 28, 512)",
            "numbers": [12288],
            "wrong": [],
            "fix": "set layers.0's in_features to 3*64*64 = 12288 (nn.Linear(12288, 512)), "
            "or resize and grey the images to 28x28",
        },
    ],
}
