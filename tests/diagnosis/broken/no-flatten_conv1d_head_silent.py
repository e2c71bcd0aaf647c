"""A 1-D CNN regressor on sensor windows whose head multiplies the length axis only.

The conv stack leaves (B, 32, 10); fc = nn.Linear(10, 1) was sized to the length
10 and runs, but it maps each of the 32 channels separately: the output is
(B, 32, 1), one prediction per channel, where one per window was meant.
"""
# Source: PyTorch forum question on a Conv1d time-series regressor whose output came
# out (batch, channels, 1) and broadcast against the targets in MSELoss.

import torch
from torch import nn


class SensorRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(6, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(16, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool1d(2),
        )
        self.fc = nn.Linear(10, 1)  # the windows are 40 long, 10 after two poolings

    def forward(self, x):
        x = self.conv(x)
        return self.fc(x)


def example_input():
    # 4 windows of 6 sensor channels, 40 samples each
    return torch.randn(4, 6, 40)


SYMPTOM = {"output_shape": [4, 32, 1], "correct_output_shape": [4, 1]}

EXPECTED = {
    "family": "no-flatten",
    "silent": True,
    "source": "PyTorch forum: Conv1d regressor whose Linear maps only the length axis",
    "findings": [
        {
            "layer": "fc",
            "line": 25,
            "line_text": "self.fc = nn.Linear(10, 1)",
            "numbers": [320],
            "wrong": [],
            "fix": "flatten before fc (x = x.flatten(1)) and make it nn.Linear(32*10 = 320, 1)",
        },
    ],
}
