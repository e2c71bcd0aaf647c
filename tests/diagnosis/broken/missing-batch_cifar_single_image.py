"""The CIFAR-10 tutorial network asked to classify one image of shape (3, 32, 32).

Conv2d accepts an unbatched (C, H, W) image, so the convolutions run and give
(16, 5, 5); torch.flatten(x, 1) then keeps the 16 channels as rows: fc1 sees 16
samples of 25 features. in_features=25 would hide the real mistake.
"""
# Source: blog post on single-sample prediction failing in PyTorch (a missing batch
# axis; fix with unsqueeze(0)), https://duoke360.com/post/35032

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def example_input():
    image = torch.rand(3, 32, 32)  # one image from the test set, as transforms give it
    return image


RAISES = ("forward", RuntimeError, "(16x25 and 400x120)")

EXPECTED = {
    "family": "missing-batch",
    "silent": False,
    "source": "blog: predicting one image without a batch axis (unsqueeze(0))",
    "findings": [
        {
            "layer": None,
            "line": 36,
            "line_text": "return image",
            "numbers": [0],
            "wrong": [25],
            "fix": "add the batch axis: return image.unsqueeze(0), (1, 3, 32, 32); "
            "fc1's in_features 400 is right",
        },
    ],
}
