"""A VGG-style network whose whole classifier is swapped for one Linear of the wrong width.

The classifier's input is the flattened 32x7x7 = 1568 pool output; the new
classifier was sized to 256, the width of the old classifier's hidden layers.
"""
# Source: blog post on replacing the last fully connected layers of torchvision's
# VGG16 (25088 = 512*7*7 features entering the classifier),
# http://hunanlong.com/c/4015650.html

import torch
from torch import nn


class SmallVGG(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(32 * 7 * 7, 256),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(256, 256),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(256, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def build_model():
    model = SmallVGG()
    model.classifier = nn.Linear(256, 4)
    return model


def example_input():
    return torch.randn(2, 3, 56, 56)


RAISES = ("forward", RuntimeError, "(2x1568 and 256x4)")

EXPECTED = {
    "family": "head-replaced",
    "silent": False,
    "source": "blog: VGG classifier replaced by a Linear sized to the old hidden width",
    "findings": [
        {
            "layer": "classifier",
            "line": 43,
            "line_text": "model.classifier = nn.Linear(256, 4)",
            "numbers": [1568],
            "wrong": [],
            "fix": "the classifier gets the flattened 32*7*7 = 1568 pool output: "
            "nn.Linear(1568, 4) (or replace only classifier[6] with nn.Linear(256, 4))",
        },
    ],
}
