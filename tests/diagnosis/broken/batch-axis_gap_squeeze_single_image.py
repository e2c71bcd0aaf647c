"""An image classifier that squeezes the pooled (B, 128, 1, 1) maps with squeeze().

squeeze() meant to drop the two 1x1 axes; for a single image it drops the batch too,
so fc gets a (128,) vector and the logits come out (5,), not (1, 5).
"""
# Source: PyTorch forum threads on single-image inference after global average
# pooling ("works with batches, the output loses a dimension with one image").

import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 128, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
        )
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        x = self.backbone(x).squeeze()
        return self.fc(x)


def example_input():
    return torch.randn(1, 3, 64, 64)


SYMPTOM = {"output_shape": [5], "correct_output_shape": [1, 5]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "PyTorch forum: squeeze() after global pooling drops the batch of one image",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "x = self.backbone(x).squeeze()",
            "numbers": [1],
            "wrong": [],
            "fix": "flatten from axis 1 instead: self.backbone(x).flatten(1) "
            "(or .squeeze(-1).squeeze(-1)), (1, 128)",
        },
    ],
}
