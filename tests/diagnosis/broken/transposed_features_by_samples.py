"""A tabular MLP given its data as (features, samples), the way the CSV was stored.

The 13 measurements of the wine dataset are rows and the 4 samples columns: the
first Linear sees 13 samples of 4 features. Setting in_features to 4 would run,
and be wrong.
"""
# Source: PyTorch forum questions on feeding a numpy array with one column per sample
# to nn.Linear ("mat1 and mat2 shapes cannot be multiplied (13x4 and 13x32)").

import torch
from torch import nn


class WineMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(13, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    table = torch.randn(13, 4)  # one row per measurement, one column per wine
    return table


RAISES = ("forward", RuntimeError, "(13x4 and 13x32)")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "PyTorch forum: a (features, samples) array fed to nn.Linear(13, 32)",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "return table",
            "numbers": [],
            "wrong": [4],
            "fix": "the input is (features, samples): return table.T; "
            "fc1's in_features 13 is right",
        },
    ],
}
