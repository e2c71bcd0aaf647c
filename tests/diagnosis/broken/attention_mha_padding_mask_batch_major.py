"""A pooled self-attention encoder: batch-first tokens into a seq-first MultiheadAttention.

nn.MultiheadAttention defaults to (seq, batch, embed). The (4, 6, 32) tokens are
read as 4 positions of 6 sequences, and the (4, 6) padding mask, right for
batch-first, no longer matches the 6 "sequences".
"""
# Source: GitHub issue on OmDet, "Shouldn't this MultiHeadAttention be initialized
# with batch_first=True, as the inputs are (batch_size, ...)?",
# https://github.com/om-ai-lab/OmDet/issues/19

import torch
from torch import nn


class AttentionPooler(nn.Module):
    def __init__(self, vocab=400, dim=32, heads=4, n_classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.attn = nn.MultiheadAttention(dim, heads)
        self.fc = nn.Linear(dim, n_classes)

    def forward(self, ids):
        x = self.embed(ids)  # (batch, tokens, dim)
        pad = ids == 0
        x, _ = self.attn(x, x, x, key_padding_mask=pad)
        x = x.masked_fill(pad.unsqueeze(-1), 0.0).sum(1) / (~pad).sum(1, keepdim=True)
        return self.fc(x)


def example_input():
    ids = torch.randint(1, 400, (4, 6))
    ids[:, 4:] = 0  # padding
    return ids


RAISES = ("forward", AssertionError, "key_padded_mask.shape[0] to be 6, but got 4")

EXPECTED = {
    "family": "attention",
    "silent": False,
    "source": "GitHub issue om-ai-lab/OmDet#19: MultiheadAttention fed batch-first, no batch_first",
    "findings": [
        {
            "layer": "attn",
            "line": 19,
            "line_text": "self.attn = nn.MultiheadAttention(dim, heads)",
            "numbers": [],
            "wrong": [],
            "fix": "the tokens are (batch, seq, embed): nn.MultiheadAttention(dim, heads, "
            "batch_first=True)",
        },
    ],
}
