"""A ResNet-style model whose stem is replaced for grey images with the wrong width.

The replacement conv1 outputs 32 channels; the BatchNorm after it (and every block)
still expects the original 64.
"""
# Source: Q&A page on adapting a pretrained ResNet to 1-channel input by replacing
# conv1 (model.conv1 = nn.Conv2d(1, 64, 7)), https://www.iiask.com/34l58747.html

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(out)))


class MiniResNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = BasicBlock(64)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model():
    model = MiniResNet()
    model.conv1 = nn.Conv2d(1, 32, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def example_input():
    return torch.randn(2, 1, 64, 64)


RAISES = ("forward", RuntimeError, "running_mean should contain 32 elements not 64")

EXPECTED = {
    "family": "conv-channels",
    "silent": False,
    "source": "Q&A: ResNet conv1 replaced for grey input with another output width",
    "findings": [
        {
            "layer": "conv1",
            "line": 44,
            "line_text": "model.conv1 = nn.Conv2d(1, 32, kernel_size=7",
            "numbers": [64],
            "wrong": [],
            "fix": "keep the stem's 64 output channels for bn1 and layer1: "
            "nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)",
        },
    ],
}
