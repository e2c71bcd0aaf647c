"""A sentence classifier whose ClassifierHead helper is built with the base model's width.

The encoder is the "small" config (hidden 48); the head was configured with 96, the
width of the base model in the same family.
"""
# Source: GitHub issue on a transformer classifier whose head dimension came from
# another config ("mat1 and mat2 shapes cannot be multiplied (512x2048 and 768x768)"),
# https://github.com/WissingChen/CRA-GQA/issues/14

import torch
from torch import nn


class ClassifierHead(nn.Module):
    def __init__(self, in_dim, n_classes, dropout=0.1):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(in_dim, in_dim)
        self.out_proj = nn.Linear(in_dim, n_classes)

    def forward(self, x):
        x = torch.tanh(self.dense(self.dropout(x)))
        return self.out_proj(self.dropout(x))


class SentenceClassifier(nn.Module):
    def __init__(self, vocab=1000, hidden=48, n_classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        layer = nn.TransformerEncoderLayer(hidden, 4, 4 * hidden, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = ClassifierHead(in_dim=96, n_classes=n_classes)

    def forward(self, ids):
        h = self.encoder(self.embed(ids))
        return self.head(h[:, 0])


def build_model():
    return SentenceClassifier()


def example_input():
    return torch.randint(0, 1000, (4, 12))


RAISES = ("forward", RuntimeError, "(4x48 and 96x96)")

EXPECTED = {
    "family": "helper",
    "silent": False,
    "source": "GitHub issue WissingChen/CRA-GQA#14: head built with another config's width",
    "findings": [
        {
            "layer": "head.dense",
            "line": 32,
            "line_text": "self.head = ClassifierHead(in_dim=96",
            "numbers": [48],
            "wrong": [],
            "fix": "the encoder is 48 wide: ClassifierHead(in_dim=hidden (48), ...) "
            "at the call site",
        },
    ],
}
