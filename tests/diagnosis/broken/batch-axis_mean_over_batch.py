"""A bag-of-embeddings text classifier that averages over the batch, not the words.

The embeddings are (B, T, E) = (4, 9, 32); mean(dim=0) averages the 4 sentences
together and keeps the 9 positions, so the model predicts 9 rows for 4 sentences.
"""
# Source: PyTorch forum question on a fastText-style classifier whose output had
# sequence-length rows ("mean(0) vs mean(1)" for batch-first embeddings).

import torch
from torch import nn


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size=1000, embed_dim=32, n_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.fc = nn.Linear(embed_dim, n_classes)

    def forward(self, tokens):
        x = self.embedding(tokens)
        x = x.mean(dim=0)
        return self.fc(x)


def example_input():
    return torch.randint(0, 1000, (4, 9))


SYMPTOM = {"output_shape": [9, 4], "correct_output_shape": [4, 4]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "PyTorch forum: fastText-style classifier averaging over dim 0 (the batch)",
    "findings": [
        {
            "layer": None,
            "line": 21,
            "line_text": "x = x.mean(dim=0)",
            "numbers": [1],
            "wrong": [],
            "fix": "average over the words, axis 1 of (batch, words, 32): x.mean(dim=1)",
        },
    ],
}
