"""A two-branch model joining image and tabular features with torch.cat on dim 0.

The image branch gives (4, 64) and the tabular branch (4, 16); dim=0 stacks them as
more samples, which needs the same width, and fails. dim=1 makes (4, 80).
"""
# Source: blog post on mixing shapes around Linear and concatenation ("a torch.cat
# dimension mismatch even though your inputs look fine"),
# https://scientyficworld.org/fix-hidden-layer-shape-mismatches-in-pytorch/

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
        features = torch.cat([self.cnn(image), self.tab(table)], dim=0)
        return self.head(features)


def example_input():
    return torch.randn(4, 3, 32, 32), torch.randn(4, 7)


RAISES = ("forward", RuntimeError, "Sizes of tensors must match except in dimension 0")

EXPECTED = {
    "family": "cat",
    "silent": False,
    "source": "blog: joining two feature branches with torch.cat on the batch axis",
    "findings": [
        {
            "layer": None,
            "line": 27,
            "line_text": "features = torch.cat([self.cnn(image), self.tab(table)], dim=0)",
            "numbers": [1],
            "wrong": [],
            "fix": "join the features, not the samples: torch.cat([...], dim=1) gives "
            "(4, 64 + 16 = 80) for head",
        },
    ],
}
