"""A sentiment LSTM with batch_first=True fed (batch, words) token ids.

The embeddings are (batch, words, 24), which is what batch_first=True expects; the
classifier reads the last time step, out[:, -1, :].
"""
# Source: the usual batch-first LSTM classifier of PyTorch text tutorials.

import torch
from torch import nn


class SentimentLSTM(nn.Module):
    def __init__(self, vocab=2000, embed_dim=24, hidden=32):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, reviews):
        out, _ = self.lstm(self.embedding(reviews))
        return self.fc(out[:, -1, :])


def example_input():
    # the sequence length equals the batch on purpose: still right with batch_first
    return torch.randint(0, 2000, (4, 4))


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "text tutorials: nn.LSTM(batch_first=True) on (batch, words) embeddings",
    "findings": [],
}
