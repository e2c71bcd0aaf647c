"""A seq-first GRU used correctly: the batch-first input is transposed before it.

nn.GRU without batch_first expects (seq, batch, feature); the forward transposes
the (batch, seq, feature) input first, and reads h_n[-1], which is (batch, hidden)
in either layout.
"""
# Source: older PyTorch tutorials (seq-first RNNs) adapted to batch-first DataLoaders
# with an explicit transpose(0, 1).

import torch
from torch import nn


class SeqFirstGRU(nn.Module):
    def __init__(self, n_features=9, hidden=32, n_classes=6):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = x.transpose(0, 1)  # (batch, seq, features) -> (seq, batch, features)
        _, h_n = self.gru(x)
        return self.fc(h_n[-1])


def example_input():
    return torch.randn(4, 20, 9)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "seq-first GRU fed through an explicit transpose(0, 1)",
    "findings": [],
}
