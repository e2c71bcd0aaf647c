"""A batch_first LSTM whose forward still transposes its input to time-major.

The code was ported from a seq-first tutorial: x.permute(1, 0, 2) turns the
(batch, time, features) windows into (time, batch, features), and the
batch_first=True LSTM then takes the 20 time steps as the batch. Nothing raises;
the model returns 20 rows for 4 windows.
"""
# Source: tutorial page on RNN input shapes (seq, batch, features) vs batch_first=True
# and the DataLoader's batch-first output,
# https://theneuralbase.com/pytorch/learn/intermediate/input-shape-for-rnns-seq-batch-features/

import torch
from torch import nn


class ActivityLSTM(nn.Module):
    def __init__(self, n_features=9, hidden=32, n_classes=6):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = x.permute(1, 0, 2)  # (seq_len, batch, features) for the LSTM
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def example_input():
    return torch.randn(4, 20, 9)


SYMPTOM = {"output_shape": [20, 6], "correct_output_shape": [4, 6]}

EXPECTED = {
    "family": "rnn",
    "silent": True,
    "source": "tutorial: seq-first permute left in front of a batch_first=True LSTM",
    "findings": [
        {
            "layer": None,
            "line": 23,
            "line_text": "x = x.permute(1, 0, 2)",
            "numbers": [],
            "wrong": [],
            "fix": "the LSTM is batch_first=True and x is already (batch, time, features): "
            "delete the permute",
        },
    ],
}
