"""An LSTM forecaster asked to predict from one sequence of shape (30, 5).

nn.LSTM accepts an unbatched (L, H_in) sequence, so h_n is (1, 64), h_n[-1] is
(64,) and the forecast comes out (1,) for one value, with no batch axis: (1, 1)
was meant, and stacking forecasts later goes wrong.
"""
# Source: PyTorch forum questions on LSTM inference on a single sequence (the
# unbatched input support added in PyTorch 1.11 makes it run without a batch axis).

import torch
from torch import nn


class Forecaster(nn.Module):
    def __init__(self, n_features=5, hidden=64):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def example_input():
    window = torch.randn(30, 5)  # the last 30 days of 5 indicators
    return window


SYMPTOM = {"output_shape": [1], "correct_output_shape": [1, 1]}

EXPECTED = {
    "family": "missing-batch",
    "silent": True,
    "source": "PyTorch forum: one (seq_len, features) window into a batch_first LSTM",
    "findings": [
        {
            "layer": None,
            "line": 27,
            "line_text": "return window",
            "numbers": [0],
            "wrong": [],
            "fix": "add the batch axis: return window.unsqueeze(0), (1, 30, 5)",
        },
    ],
}
