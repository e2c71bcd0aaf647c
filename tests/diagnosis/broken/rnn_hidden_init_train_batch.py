"""A stacked LSTM whose initial states are made with the training batch size.

h0 and c0 are (num_layers, 32, hidden) because batch_size=32 was stored at
construction; a batch of 4 at evaluation does not fit them.
"""
# Source: PyTorch forum threads on "Expected hidden[0] size (2, 4, 16), got [2, 32,
# 16]" with init_hidden() using a stored batch size.

import torch
from torch import nn


class LSTMRegressor(nn.Module):
    def __init__(self, n_features=3, hidden=16, num_layers=2, batch_size=32):
        super().__init__()
        self.hidden = hidden
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.lstm = nn.LSTM(n_features, hidden, num_layers, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, self.batch_size, self.hidden)
        c0 = torch.zeros(self.num_layers, self.batch_size, self.hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.out(out[:, -1])


def example_input():
    return torch.randn(4, 12, 3)


RAISES = ("forward", RuntimeError, "Expected hidden[0] size (2, 4, 16), got [2, 32, 16]")

EXPECTED = {
    "family": "rnn",
    "silent": False,
    "source": "PyTorch forum: LSTM initial states sized with the training batch size",
    "findings": [
        {
            "layer": None,
            "line": 23,
            "line_text": "h0 = torch.zeros(self.num_layers, self.batch_size, self.hidden)",
            "numbers": [0],
            "wrong": [32],
            "fix": "size the states with the batch at hand: torch.zeros(self.num_layers, "
            "x.size(0), self.hidden) (the same for c0), or pass no states",
        },
    ],
}
