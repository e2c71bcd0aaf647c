"""An MNIST CNN given one grey digit as a bare (28, 28) array.

Conv2d needs (C, H, W) or (N, C, H, W): the digit has neither a channel nor a batch
axis, and the first convolution rejects it.
"""
# Source: blog post on "Expected 3D (unbatched) or 4D (batched) input to conv2d"
# when predicting one image, https://aionyx-blog.pages.dev/en/post/pytorch-dimension-error

import torch
from torch import nn


class DigitCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


def example_input():
    digit = torch.rand(28, 28)  # one digit as read from the PNG
    return digit


RAISES = ("forward", RuntimeError, "Expected 3D (unbatched) or 4D (batched) input to conv2d")

EXPECTED = {
    "family": "missing-batch",
    "silent": False,
    "source": "blog: a (28, 28) digit into Conv2d, no channel and no batch axis",
    "findings": [
        {
            "layer": None,
            "line": 29,
            "line_text": "return digit",
            "numbers": [0],
            "wrong": [],
            "fix": "add the batch and channel axes: return digit.unsqueeze(0).unsqueeze(0), "
            "(1, 1, 28, 28)",
        },
    ],
}
