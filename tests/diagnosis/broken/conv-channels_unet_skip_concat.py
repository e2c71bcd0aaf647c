"""A U-Net decoder step whose convolution forgets the channels the skip adds.

The upsampled map (16 channels) is concatenated with the encoder's skip (16
channels) on the channel axis: 32 channels, but the conv after it takes 16.
"""
# Source: GitHub issues on U-Net re-implementations ("expected input to have 16
# channels, but got 32": the decoder conv sized without the skip connection).

import torch
from torch import nn


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.out = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        skip = self.enc(x)
        x = self.up(self.down(skip))
        x = torch.cat([x, skip], dim=1)
        return self.out(self.dec(x))


def example_input():
    return torch.randn(2, 1, 32, 32)


RAISES = ("forward", RuntimeError, "expected input[2, 32, 32, 32] to have 16 channels, but got 32")

EXPECTED = {
    "family": "conv-channels",
    "silent": False,
    "source": "GitHub issues: U-Net decoder conv sized without the concatenated skip",
    "findings": [
        {
            "layer": "dec.0",
            "line": 19,
            "line_text": "self.dec = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1)",
            "numbers": [32],
            "wrong": [],
            "fix": "after the concatenation there are 16 + 16 = 32 channels: "
            "nn.Conv2d(32, 16, 3, padding=1)",
        },
    ],
}
