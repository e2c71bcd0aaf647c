"""A 1-D CNN keyword spotter whose head was sized for 160-sample clips, fed 200.

Conv1d(k=5) and MaxPool1d(2) twice: 200 -> 196 -> 98 -> 94 -> 47, so 16*47 = 752
features reach fc, which was written for 160 samples (16*37 = 592).
"""
# Source: PyTorch forum question on a Conv1d audio classifier that broke when the
# clip length (sample rate) changed.

import torch
from torch import nn


class KeywordNet(nn.Module):
    def __init__(self, n_keywords=12):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 8, kernel_size=5)
        self.conv2 = nn.Conv1d(8, 16, kernel_size=5)
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(16 * 37, n_keywords)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc(x)


def example_input():
    # Clips are now 200 samples long (the old pipeline cut them at 160).
    return torch.randn(3, 1, 200)


RAISES = ("forward", RuntimeError, "(3x752 and 592x12)")

EXPECTED = {
    "family": "flatten-size",
    "silent": False,
    "source": "PyTorch forum: Conv1d audio classifier after the clip length changed",
    "findings": [
        {
            "layer": "fc",
            "line": 19,
            "line_text": "nn.Linear(16 * 37, n_keywords)",
            "numbers": [752],
            "wrong": [],
            "fix": "set fc's in_features to 16*47 = 752, or cut the clips to 160 samples",
        },
    ],
}
