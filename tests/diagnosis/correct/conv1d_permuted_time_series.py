"""A temporal CNN that permutes (batch, time, sensors) to (batch, sensors, time) for Conv1d.

After the convolutions it permutes back and applies a per-step nn.Linear to the
(batch, time, 32) features (one prediction per time step, on purpose).
"""
# Source: the answer to the PyTorch forum question on Conv1d input layout for
# multivariate time series (put the features on the channel axis),
# https://discuss.pytorch.org/t/how-make-the-input-size-for-multivariate-time-series-data-and-use-it-for-conv1d/146852

import torch
from torch import nn


class TemporalCNN(nn.Module):
    def __init__(self, n_features=6, n_classes=4):
        super().__init__()
        self.conv1 = nn.Conv1d(n_features, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(32, 32, kernel_size=3, padding=1)
        self.per_step = nn.Linear(32, n_classes)  # applied at every time step

    def forward(self, x):
        x = x.permute(0, 2, 1)  # (batch, sensors, time)
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.per_step(x.permute(0, 2, 1))  # (batch, time, classes)


def example_input():
    return torch.randn(4, 50, 6)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "PyTorch forum answer: permute time series to (batch, features, time) for Conv1d",
    "findings": [],
}
