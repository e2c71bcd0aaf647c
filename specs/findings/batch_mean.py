"""A bag-of-words classifier that averages its word vectors over the batch, not the words."""

import torch
from torch import nn


class BagOfWords(nn.Module):
    def __init__(self, vocab=1000, dim=32, classes=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, ids):  # (batch, words)
        x = self.embed(ids)  # (batch, words, dim)
        x = x.mean(dim=0)  # meant: the words, dim=1
        return self.fc(x)


def example_input():
    return torch.randint(0, 1000, (4, 12))
