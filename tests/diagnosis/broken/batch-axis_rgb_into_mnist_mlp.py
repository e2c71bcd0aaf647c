"""An MNIST MLP that reshapes to (-1, 784) and is given 3-channel 28x28 images.

Each image holds 3*784 values; reshape(-1, 28 * 28) makes every colour plane its own
row, so 4 images come out as 12 predictions and nothing raises.
"""
# Source: PyTorch forum threads on Fashion-MNIST / CIFAR images loaded as RGB into an
# MNIST MLP ("Expected input batch_size (12) to match target batch_size (4)").

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.reshape(-1, 28 * 28)
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    # the dataset's transform converted the images to RGB
    return torch.randn(4, 3, 28, 28)


SYMPTOM = {"output_shape": [12, 10], "correct_output_shape": [4, 10]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "PyTorch forum: RGB images into an MNIST MLP, reshape(-1, 784) gives 3x rows",
    "findings": [
        {
            "layer": None,
            "line": 20,
            "line_text": "x = x.reshape(-1, 28 * 28)",
            "numbers": [2352],
            "wrong": [],
            "fix": "keep the batch axis: x.reshape(x.size(0), -1), 3*28*28 = 2352 features "
            "(or convert the images to one channel)",
        },
        {
            "layer": "fc1",
            "line": 16,
            "line_text": "self.fc1 = nn.Linear(28 * 28, 128)",
            "numbers": [2352],
            "wrong": [],
            "fix": "for RGB input set fc1's in_features to 3*28*28 = 2352",
        },
    ],
}
