"""One projection shared on purpose by a pooled vector and a token sequence.

self.proj = nn.Linear(16, 8) is applied to the (B, 16) global feature and to the
(B, T, 16) token features, so both land in the same 8-wide space for the
similarity; nn.Linear maps the last axis of any rank.
"""
# Source: CLIP-style retrieval code that projects a pooled embedding and the token
# embeddings with the same projection before comparing them.

import torch
from torch import nn


class SharedProjection(nn.Module):
    def __init__(self, vocab=200, dim=16, out_dim=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.proj = nn.Linear(dim, out_dim)

    def forward(self, ids):
        tokens = self.embed(ids)  # (B, T, 16)
        pooled = tokens.mean(dim=1)  # (B, 16)
        p = self.proj(pooled)  # (B, 8)
        t = self.proj(tokens)  # (B, T, 8): the same weights on purpose
        return torch.einsum("bd,btd->bt", p, t).softmax(dim=-1)


def example_input():
    return torch.randint(0, 200, (4, 7))


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "retrieval code sharing one nn.Linear between (B, 16) and (B, T, 16) inputs",
    "findings": [],
}
