"""A fine-tuning script that sizes the new head from the old head's out_features.

model.fc.out_features is the 1000 ImageNet classes; the features entering fc are
model.fc.in_features = 512.
"""
# Source: tutorial on replacing a classifier head (model.fc = nn.Linear(
# model.fc.in_features, n)), https://leyaa.ai/codefly/learn/pytorch/part-2/pytorch-replacing-classifier-head

import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 128, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(128, 512, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


def build_model():
    model = Backbone()
    for p in model.features.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(model.fc.out_features, 10)
    return model


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("forward", RuntimeError, "(2x512 and 1000x10)")

EXPECTED = {
    "family": "head-replaced",
    "silent": False,
    "source": "tutorial: new head sized with model.fc.out_features instead of in_features",
    "findings": [
        {
            "layer": "fc",
            "line": 34,
            "line_text": "model.fc = nn.Linear(model.fc.out_features, 10)",
            "numbers": [512],
            "wrong": [1000],
            "fix": "use the features entering fc: nn.Linear(model.fc.in_features, 10), 512",
        },
    ],
}
