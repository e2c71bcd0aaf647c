"""A bidirectional GRU classifier whose head expects one direction's features.

With bidirectional=True the output at each step is 2*64 = 128 wide (forward and
backward states side by side); the head was written for 64.
"""
# Source: PyTorch forum threads on "bidirectional=True doubles the output size"
# ("mat1 and mat2 shapes cannot be multiplied (4x128 and 64x5)").

import torch
from torch import nn


class IntentClassifier(nn.Module):
    def __init__(self, vocab=800, embed_dim=32, hidden=64, n_intents=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed_dim)
        self.gru = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(hidden, n_intents)

    def forward(self, ids):
        out, _ = self.gru(self.embed(ids))
        return self.head(out[:, -1, :])


def example_input():
    return torch.randint(0, 800, (4, 11))


RAISES = ("forward", RuntimeError, "(4x128 and 64x5)")

EXPECTED = {
    "family": "rnn",
    "silent": False,
    "source": "PyTorch forum: bidirectional GRU output 2*hidden into a hidden-wide head",
    "findings": [
        {
            "layer": "head",
            "line": 18,
            "line_text": "self.head = nn.Linear(hidden, n_intents)",
            "numbers": [128],
            "wrong": [],
            "fix": "set head's in_features to 2*64 = 128: nn.Linear(2 * hidden, n_intents)",
        },
    ],
}
