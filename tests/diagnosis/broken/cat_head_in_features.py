"""A recommender that joins a 64-wide user vector and a 32-wide item vector for its head.

torch.cat on dim 1 is right and gives 96 features; the head was written as if
both towers were 64 wide.
"""
# Source: PyTorch forum threads on two-tower models whose towers changed width
# ("mat1 and mat2 shapes cannot be multiplied (8x96 and 128x64)").

import torch
from torch import nn


class TwoTower(nn.Module):
    def __init__(self, n_users=100, n_items=200):
        super().__init__()
        self.user = nn.Embedding(n_users, 64)
        self.item = nn.Embedding(n_items, 32)
        self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, users, items):
        x = torch.cat([self.user(users), self.item(items)], dim=1)
        return self.head(x)


def example_input():
    return torch.randint(0, 100, (8,)), torch.randint(0, 200, (8,))


RAISES = ("forward", RuntimeError, "(8x96 and 128x64)")

EXPECTED = {
    "family": "cat",
    "silent": False,
    "source": "PyTorch forum: two-tower model, cat of 64 + 32 features into a 128-wide head",
    "findings": [
        {
            "layer": "head.0",
            "line": 18,
            "line_text": "nn.Linear(128, 64)",
            "numbers": [96],
            "wrong": [],
            "fix": "the concatenation gives 64 + 32 = 96 features: nn.Linear(96, 64)",
        },
    ],
}
