"""A PointNet-style classifier that max-pools over the batch instead of the points.

The shared per-point MLP gives (B, N, 64) = (2, 50, 64); torch.max(x, 0) takes the
maximum over the 2 clouds, leaving one row per point: 50 predictions for 2 clouds.
"""
# Source: GitHub issues on PointNet re-implementations with the symmetric max pooling
# over the wrong axis (points-last vs points-first layouts).

import torch
from torch import nn


class PointNetCls(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.point_mlp = nn.Sequential(
            nn.Linear(3, 32),
            nn.ReLU(),
            nn.Linear(32, 64),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, n_classes))

    def forward(self, points):
        x = self.point_mlp(points)  # (batch, points, 64)
        x = torch.max(x, 0)[0]  # symmetric function over the points
        return self.classifier(x)


def example_input():
    return torch.randn(2, 50, 3)


SYMPTOM = {"output_shape": [50, 5], "correct_output_shape": [2, 5]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "GitHub issues: PointNet max pooling over the batch axis instead of the points",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "x = torch.max(x, 0)[0]",
            "numbers": [1],
            "wrong": [],
            "fix": "pool over the points, axis 1 of (batch, points, 64): torch.max(x, 1)[0]",
        },
    ],
}
