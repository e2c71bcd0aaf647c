"""Global average pooling, flatten(1), then a Linear: any image size fits the head.

AdaptiveAvgPool2d(1) reduces whatever spatial size arrives (here 45x37, which no
hand-computed in_features would survive) to 1x1, so fc always gets 64 features.
"""
# Source: the global-average-pooling head of ResNet-style classifiers, the usual
# answer to "how do I make my CNN accept any image size".

import torch
from torch import nn


class AnySizeCNN(nn.Module):
    def __init__(self, num_classes=6):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.fc(torch.flatten(x, 1))


def example_input():
    return torch.randn(2, 3, 45, 37)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "ResNet-style head: AdaptiveAvgPool2d(1), flatten(1), Linear on odd image sizes",
    "findings": [],
}
