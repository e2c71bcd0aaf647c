"""A bidirectional LSTM tagger that reshapes its output as if it had one direction.

A bidirectional LSTM gives 2*32 = 64 features per step, so (B, T, 64) holds
B*T*64 values; reshape(B, T * 32) only fits half of them.
"""
# Source: PyTorch forum threads on bidirectional=True doubling the LSTM output size
# ("shape '[4, 256]' is invalid for input of size 2048").

import torch
from torch import nn


class SequenceClassifier(nn.Module):
    def __init__(self, n_features=10, hidden=32, seq_len=8, n_classes=3):
        super().__init__()
        self.hidden = hidden
        self.seq_len = seq_len
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(seq_len * hidden * 2, n_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        out = out.reshape(x.size(0), self.seq_len * self.hidden)
        return self.fc(out)


def example_input():
    return torch.randn(4, 8, 10)


RAISES = ("forward", RuntimeError, "shape '[4, 256]' is invalid for input of size 2048")

EXPECTED = {
    "family": "view-size",
    "silent": False,
    "source": "PyTorch forum: reshape after a bidirectional LSTM ignores the 2 directions",
    "findings": [
        {
            "layer": None,
            "line": 23,
            "line_text": "out = out.reshape(x.size(0), self.seq_len * self.hidden)",
            "numbers": [512],
            "wrong": [256],
            "fix": "reshape to 8*2*32 = 512 features per sequence: "
            "out.reshape(x.size(0), -1), which fc (nn.Linear(512, 3)) takes",
        },
    ],
}
