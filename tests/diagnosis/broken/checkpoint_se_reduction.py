"""A squeeze-and-excitation CNN whose SE reduction ratio differs from its checkpoint's.

The checkpoint was trained with reduction=4 (64 -> 16 -> 64); the model is built
with reduction=16 (64 -> 4 -> 64), so both SE Linears mismatch.
"""
# Source: Q&A page on "size mismatch for layer1.0.se.fc.0.weight: copying a param with
# shape torch.Size([16, 64]) from checkpoint, the shape in current model is
# torch.Size([4, 64])", https://wenku.csdn.net/answer/3nk9ev8r9n

import io

import torch
from torch import nn


class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(channels, channels // reduction),
            nn.ReLU(inplace=True),
            nn.Linear(channels // reduction, channels),
            nn.Sigmoid(),
        )

    def forward(self, x):
        w = self.fc(x.mean(dim=(2, 3)))
        return x * w[:, :, None, None]


class SENet(nn.Module):
    def __init__(self, reduction=16):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 3, padding=1)
        self.se = SEBlock(64, reduction=reduction)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.se(torch.relu(self.stem(x)))
        return self.fc(x.mean(dim=(2, 3)))


def saved_weights():
    buffer = io.BytesIO()
    torch.save(SENet(reduction=4).state_dict(), buffer)  # how the run was configured
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def build_model():
    model = SENet(reduction=16)
    model.load_state_dict(saved_weights())
    return model


def example_input():
    return torch.randn(2, 3, 16, 16)


RAISES = ("build", RuntimeError, "size mismatch for se.fc.0.weight")

EXPECTED = {
    "family": "checkpoint",
    "silent": False,
    "source": "Q&A: SE block fc 16 vs 4 units, reduction ratio changed since the checkpoint",
    "findings": [
        {
            "layer": "se.fc.0",
            "line": 51,
            "line_text": "model = SENet(reduction=16)",
            "numbers": [16],
            "wrong": [],
            "fix": "the checkpoint's se.fc.0 is (16, 64), 64 // 4: build SENet(reduction=4)",
        },
        {
            "layer": "se.fc.2",
            "line": 51,
            "line_text": "model = SENet(reduction=16)",
            "numbers": [16],
            "wrong": [],
            "fix": "the checkpoint's se.fc.2 is (64, 16): build SENet(reduction=4)",
        },
    ],
}
