"""A CNN built from a make_block(in_ch, out_ch) helper, called with a stale width.

The first block gives 32 channels; the second call says 64 in.
"""
# Source: PyTorch forum threads on CNNs assembled from a conv_block()/make_layer()
# helper where one call's in_channels does not follow the previous out_channels.

import torch
from torch import nn


def make_block(in_ch, out_ch):
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class BlockNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            make_block(3, 32),
            make_block(64, 64),
            make_block(64, 128),
        )
        self.head = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.head(x.mean(dim=(2, 3)))


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("forward", RuntimeError, "expected input[2, 32, 16, 16] to have 64 channels, but got 32")

EXPECTED = {
    "family": "helper",
    "silent": False,
    "source": "PyTorch forum: CNN built from a make_block() helper with a stale in_channels",
    "findings": [
        {
            "layer": "features.1.0",
            "line": 26,
            "line_text": "make_block(64, 64),",
            "numbers": [32],
            "wrong": [],
            "fix": "the previous block gives 32 channels: make_block(32, 64) at the call site",
        },
    ],
}
