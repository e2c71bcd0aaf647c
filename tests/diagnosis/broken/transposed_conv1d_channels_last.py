"""A 1-D CNN for multivariate time series fed (batch, time, features) data.

Conv1d wants (batch, channels, time): the 50 time steps are read as channels.
Setting in_channels=50 would run, and convolve over the 6 sensors instead of time.
"""
# Source: PyTorch forum, "How make the input size for Multivariate time series data
# and use it for Conv1d?",
# https://discuss.pytorch.org/t/how-make-the-input-size-for-multivariate-time-series-data-and-use-it-for-conv1d/146852

import torch
from torch import nn


class TimeSeriesCNN(nn.Module):
    def __init__(self, n_features=6, n_classes=4):
        super().__init__()
        self.conv1 = nn.Conv1d(n_features, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(32, 32, kernel_size=3, padding=1)
        self.fc = nn.Linear(32, n_classes)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return self.fc(x.mean(dim=2))


def example_input():
    # windows from the DataLoader: (batch, time steps, sensors)
    return torch.randn(4, 50, 6)


RAISES = ("forward", RuntimeError, "expected input[4, 50, 6] to have 6 channels, but got 50")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "PyTorch forum: (batch, time, features) windows fed to Conv1d",
    "findings": [
        {
            "layer": "conv1",
            "line": 22,
            "line_text": "x = torch.relu(self.conv1(x))",
            "numbers": [1, 2],
            "wrong": [50],
            "fix": "put the sensors on the channel axis first: x = x.transpose(1, 2) before "
            "conv1; its in_channels=6 is right",
        },
    ],
}
