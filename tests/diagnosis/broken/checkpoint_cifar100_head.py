"""A CIFAR-10 network loading weights published for the same network on CIFAR-100.

Every tensor fits except the head: the checkpoint's fc has 100 outputs, the model's
10. load_state_dict stops with a size mismatch for fc.weight and fc.bias.
"""
# Source: blog post on "size mismatch for fc.weight: copying a param with shape
# torch.Size([100, 2048]) from checkpoint, the shape in current model is
# torch.Size([10, 2048])", https://miaokee.com/1431847.html

import io

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.features(x))


def published_checkpoint():
    # Stands in for the downloaded file: the same network trained on CIFAR-100.
    trained = Net()
    trained.fc = nn.Linear(64, 100)
    buffer = io.BytesIO()
    torch.save(trained.state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def build_model():
    model = Net()
    model.load_state_dict(published_checkpoint())
    return model


def example_input():
    return torch.randn(2, 3, 32, 32)


RAISES = ("build", RuntimeError, "size mismatch for fc.weight")

EXPECTED = {
    "family": "checkpoint",
    "silent": False,
    "source": "blog: size mismatch for fc.weight, a 100-class checkpoint into a 10-class model",
    "findings": [
        {
            "layer": "fc",
            "line": 28,
            "line_text": "self.fc = nn.Linear(64, 10)",
            "numbers": [100],
            "wrong": [],
            "fix": "the checkpoint's fc is (100, 64): build nn.Linear(64, 100) to load it as "
            "it is, then replace fc with nn.Linear(64, 10) after loading",
        },
    ],
}
