"""A sparse-MLP style block: Linears over the width and height axes of a (B, C, H, W) map.

nn.Linear(W, W) applied straight to the (B, C, H, W) map mixes along the last axis,
the width, on purpose; the height is mixed after a transpose of the last two axes,
and a 1x1 convolution fuses the branches. The map is never meant to be flattened.
"""
# Source: the Sparse MLP (sMLP) design, which mixes tokens along rows and columns with
# Linear layers applied to the last axis of the feature map.

import torch
from torch import nn


class AxialMix(nn.Module):
    def __init__(self, channels=16, size=8):
        super().__init__()
        self.mix_w = nn.Linear(size, size)  # over the width axis (last), on purpose
        self.mix_h = nn.Linear(size, size)  # over the height axis, after a transpose
        self.fuse = nn.Conv2d(3 * channels, channels, kernel_size=1)

    def forward(self, x):
        w = self.mix_w(x)
        h = self.mix_h(x.transpose(2, 3)).transpose(2, 3)
        return self.fuse(torch.cat([x, w, h], dim=1))


class SparseMLPNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, kernel_size=4, stride=4)
        self.mix = AxialMix(16, 8)
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.mix(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


def build_model():
    return SparseMLPNet()


def example_input():
    return torch.randn(2, 3, 32, 32)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "sMLP: nn.Linear over the width axis of a (B, C, H, W) map on purpose",
    "findings": [],
}
