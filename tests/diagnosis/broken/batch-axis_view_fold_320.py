"""A CIFAR CNN with the MNIST example's x.view(-1, 320) pasted into its forward.

The maps hold 16*5*5 = 400 values per image; view(-1, 320) does not fail because
4 images' 1600 values divide by 320, but it deals them out as 5 rows of 320: the
batch of 4 comes out as 5 predictions, each mixing two images.
"""
# Source: PyTorch forum threads on x.view(-1, N) with the wrong N silently changing
# the batch size ("my output has more rows than my batch", loss against 4 targets
# then fails far from the cause).

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def example_input():
    return torch.randn(4, 3, 32, 32)


SYMPTOM = {"output_shape": [5, 10], "correct_output_shape": [4, 10]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "PyTorch forum: x.view(-1, 320) on 16x5x5 maps gives 5 rows for 4 images",
    "findings": [
        {
            "layer": None,
            "line": 27,
            "line_text": "x = x.view(-1, 320)",
            "numbers": [400],
            "wrong": [],
            "fix": "keep the batch axis: x = x.view(x.size(0), -1), 16*5*5 = 400 features",
        },
        {
            "layer": "fc1",
            "line": 21,
            "line_text": "self.fc1 = nn.Linear(320, 50)",
            "numbers": [400],
            "wrong": [],
            "fix": "set fc1's in_features to 16*5*5 = 400: nn.Linear(400, 50)",
        },
    ],
}
