"""An IMDB sentiment LSTM fed batch-first embeddings without batch_first=True.

The embeddings are (batch, words, 24) = (4, 15, 24); the LSTM reads them as
(seq, batch, feature): 4 time steps of 15 sequences. Nothing raises, and h_n[-1]
holds one state per word position, so the model returns 15 rows for 4 reviews.
"""
# Source: PyTorch GitHub issue "Sentiment analysis with LSTM in IMDB dataset" (batch
# (64, 150) embeddings into nn.LSTM without batch_first),
# https://github.com/pytorch/pytorch/issues/2674

import torch
from torch import nn


class SentimentLSTM(nn.Module):
    def __init__(self, vocab=2000, embed_dim=24, hidden=32):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(input_size=embed_dim, hidden_size=hidden)
        self.fc = nn.Linear(hidden, 2)

    def forward(self, reviews):
        embeds = self.embedding(reviews)  # (batch, words, embed_dim)
        _, (h_n, _) = self.lstm(embeds)
        return self.fc(h_n[-1])


def example_input():
    return torch.randint(0, 2000, (4, 15))


SYMPTOM = {"output_shape": [15, 2], "correct_output_shape": [4, 2]}

EXPECTED = {
    "family": "rnn",
    "silent": True,
    "source": "pytorch/pytorch#2674: IMDB LSTM given (batch, words) embeddings, no batch_first",
    "findings": [
        {
            "layer": "lstm",
            "line": 19,
            "line_text": "self.lstm = nn.LSTM(input_size=embed_dim, hidden_size=hidden)",
            "numbers": [],
            "wrong": [],
            "fix": "the input is (batch, seq, feature): nn.LSTM(..., batch_first=True) "
            "(or feed embeds.transpose(0, 1))",
        },
    ],
}
