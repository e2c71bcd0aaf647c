"""Image and tabular branches joined with torch.cat on the feature axis.

(4, 64) and (4, 16) concatenated on dim=1 give (4, 80), and the head takes 80.
"""
# Source: multimodal tutorials that fuse a CNN embedding with tabular features.

import torch
from torch import nn


class ImageAndTable(nn.Module):
    def __init__(self, n_tabular=7):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.tab = nn.Sequential(nn.Linear(n_tabular, 16), nn.ReLU())
        self.head = nn.Linear(64 + 16, 1)

    def forward(self, image, table):
        return self.head(torch.cat([self.cnn(image), self.tab(table)], dim=1))


def example_input():
    return torch.randn(4, 3, 32, 32), torch.randn(4, 7)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "multimodal tutorials: torch.cat([image, table], dim=1) into the head",
    "findings": [],
}
