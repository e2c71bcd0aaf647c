"""Fine-tuning that builds the 5-class model first and then loads ImageNet weights.

The ImageNet checkpoint's fc is (1000, 128); the model was built with 5 classes.
The usual order is: build with 1000 classes, load, then replace fc.
"""
# Source: tutorial note "Load checkpoints BEFORE head replacement, not after",
# https://theneuralbase.com/pytorch/learn/intermediate/replacing-the-classification-head/

import io

import torch
from torch import nn


class TinyNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 128, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.fc(self.body(x))


def imagenet_weights():
    # Stands in for the pretrained file.
    buffer = io.BytesIO()
    torch.save(TinyNet().state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def build_model():
    model = TinyNet(num_classes=5)
    model.load_state_dict(imagenet_weights())
    return model


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("build", RuntimeError, "size mismatch for fc.weight")

EXPECTED = {
    "family": "checkpoint",
    "silent": False,
    "source": "tutorial: load the pretrained checkpoint before replacing the head",
    "findings": [
        {
            "layer": "fc",
            "line": 41,
            "line_text": "model = TinyNet(num_classes=5)",
            "numbers": [1000],
            "wrong": [],
            "fix": "the checkpoint's fc is (1000, 128): build TinyNet(num_classes=1000), load, "
            "then model.fc = nn.Linear(128, 5)",
        },
    ],
}
