"""A BiLSTM tagger on top of a small encoder, with input_size from the large config.

The encoder's hidden size is 48 (the "base" width in this toy); the LSTM was built
with input_size=64, the "large" width, and rejects the 48 features.
"""
# Source: GitHub issue "input.size(-1) must be equal to input_size. Expected 1024,
# got 768" (a BERT-base encoder under an LSTM sized for BERT-large),
# https://github.com/ljynlp/W2NER/issues/23

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab=500, hidden=48, lstm_hidden=32, n_tags=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        layer = nn.TransformerEncoderLayer(hidden, 4, 96, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1)
        self.lstm = nn.LSTM(64, lstm_hidden, batch_first=True, bidirectional=True)
        self.tags = nn.Linear(2 * lstm_hidden, n_tags)

    def forward(self, ids):
        h = self.encoder(self.embed(ids))
        out, _ = self.lstm(h)
        return self.tags(out)


def example_input():
    return torch.randint(0, 500, (2, 12))


RAISES = (
    "forward",
    RuntimeError,
    "input.size(-1) must be equal to input_size. Expected 64, got 48",
)

EXPECTED = {
    "family": "rnn",
    "silent": False,
    "source": "GitHub issue ljynlp/W2NER#23: LSTM input_size 1024 under a 768-wide encoder",
    "findings": [
        {
            "layer": "lstm",
            "line": 20,
            "line_text": "self.lstm = nn.LSTM(64, lstm_hidden",
            "numbers": [48],
            "wrong": [],
            "fix": "set the LSTM's input_size to the encoder's width, 48: "
            "nn.LSTM(48, lstm_hidden, ...)",
        },
    ],
}
