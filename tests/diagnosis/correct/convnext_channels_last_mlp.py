"""A ConvNeXt-style block: a Linear over the channels of a channels-last feature map.

After x.permute(0, 2, 3, 1) the map is (B, H, W, C) and nn.Linear(C, 4C) mixes the
channels of each pixel, the same as a 1x1 convolution; the map is permuted back
before the residual. The (B, 7, 7, 32) input to pwconv1 has the shape of a conv
output, and is still right.
"""
# Source: the ConvNeXt paper's block as written in its public implementation
# (depthwise conv, permute to channels-last, LayerNorm, Linear 4x, GELU, Linear).

import torch
from torch import nn


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 4 * dim)  # pointwise: over the channel axis
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        shortcut = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.pwconv2(self.act(self.pwconv1(self.norm(x))))
        x = x.permute(0, 3, 1, 2)  # back to (N, C, H, W)
        return shortcut + x


class TinyConvNeXt(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 32, kernel_size=4, stride=4)
        self.block = ConvNeXtBlock(32)
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.head(self.norm(x.mean(dim=(2, 3))))


def build_model():
    return TinyConvNeXt()


def example_input():
    return torch.randn(2, 3, 28, 28)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "ConvNeXt block: Linear over channels after a channels-last permute",
    "findings": [],
}
