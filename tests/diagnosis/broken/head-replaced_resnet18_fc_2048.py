"""A ResNet-18-style network whose classifier is replaced with ResNet-50's width.

Transfer-learning tutorials for ResNet-50 write model.fc = nn.Linear(2048, n); a
ResNet-18 (or 34) ends in 512 features.
"""
# Source: tutorial on replacing the classification head ("ResNet18/34 have 512-dim
# features (not 2048), ResNet50/101/152 have 2048 - verify before hardcoding"),
# https://theneuralbase.com/pytorch/learn/intermediate/replacing-the-classification-head/

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class ResNetLike(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.stem = Block(3, 64, 2)
        self.layer1 = Block(64, 128, 2)
        self.layer2 = Block(128, 256, 2)
        self.layer3 = Block(256, 512, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model():
    model = ResNetLike()  # weights would be loaded here
    model.fc = nn.Linear(2048, 5)
    return model


def example_input():
    return torch.randn(2, 3, 64, 64)


RAISES = ("forward", RuntimeError, "(2x512 and 2048x5)")

EXPECTED = {
    "family": "head-replaced",
    "silent": False,
    "source": "tutorial: ResNet-18 head replaced with ResNet-50's nn.Linear(2048, n)",
    "findings": [
        {
            "layer": "fc",
            "line": 41,
            "line_text": "model.fc = nn.Linear(2048, 5)",
            "numbers": [512],
            "wrong": [],
            "fix": "this backbone ends in 512 features: model.fc = nn.Linear(512, 5) "
            "(model.fc.in_features before replacing it)",
        },
    ],
}
