"""A wrapper that removes the backbone's fc (nn.Identity) and adds a head sized for 1000.

Once fc is an Identity the backbone returns its 512 pooled features, not the 1000
logits the new head was written for.
"""
# Source: PyTorch forum threads on model.fc = nn.Identity() for feature extraction
# followed by a head sized to the old number of classes.

import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 512, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        return self.fc(self.body(x))


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.backbone.fc = nn.Identity()  # use the pooled features
        self.species = nn.Linear(1000, 12)
        self.age = nn.Linear(512, 1)

    def forward(self, x):
        features = self.backbone(x)
        return self.species(features), self.age(features)


def build_model():
    return MultiTask()


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("forward", RuntimeError, "(2x512 and 1000x12)")

EXPECTED = {
    "family": "head-replaced",
    "silent": False,
    "source": "PyTorch forum: fc = nn.Identity() then a head sized for the 1000 logits",
    "findings": [
        {
            "layer": "species",
            "line": 35,
            "line_text": "self.species = nn.Linear(1000, 12)",
            "numbers": [512],
            "wrong": [],
            "fix": "without fc the backbone gives its 512 pooled features: nn.Linear(512, 12)",
        },
    ],
}
