"""A ViT that prepends its class token with torch.cat on the last axis.

The class token is (B, 1, 48) and the patches (B, 16, 48); the token belongs at
position 0 of the sequence axis (dim=1), and dim=-1 fails on 1 vs 16.
"""
# Source: GitHub issues on from-scratch ViT implementations (cls_token concatenated on
# the wrong dimension).

import torch
from torch import nn


class ViT(nn.Module):
    def __init__(self, dim=48, patch=8, n_classes=10):
        super().__init__()
        self.patchify = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, 17, dim))
        layer = nn.TransformerEncoderLayer(dim, 4, 2 * dim, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.patchify(x).flatten(2).transpose(1, 2)  # (B, 16, dim)
        cls = self.cls_token.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=-1)
        x = self.encoder(x + self.pos)
        return self.head(x[:, 0])


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("forward", RuntimeError, "Sizes of tensors must match except in dimension 2")

EXPECTED = {
    "family": "cat",
    "silent": False,
    "source": "GitHub issues: ViT class token concatenated on the feature axis",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "x = torch.cat([cls, x], dim=-1)",
            "numbers": [1],
            "wrong": [],
            "fix": "prepend along the sequence axis: torch.cat([cls, x], dim=1), (2, 17, 48)",
        },
    ],
}
