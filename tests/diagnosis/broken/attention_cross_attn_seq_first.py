"""A captioning decoder's cross-attention fed batch-first text and image tokens.

Without batch_first the query (2, 5, 32) is 2 positions of a batch of 5 and the
memory (2, 9, 32) 2 positions of a batch of 9: the batches disagree and the key
projection cannot be split into heads.
"""
# Source: PyTorch GitHub issue "nn.TransformerEncoderLayer mismatch on batch size
# dimension?" (seq-first MultiheadAttention vs batch-first callers),
# https://github.com/pytorch/pytorch/issues/59159

import torch
from torch import nn


class CaptionDecoderLayer(nn.Module):
    def __init__(self, dim=32, heads=4, vocab=100):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.cross_attn = nn.MultiheadAttention(dim, heads)
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, vocab)

    def forward(self, caption_ids, image_tokens):
        q = self.embed(caption_ids)  # (batch, words, dim)
        attended, _ = self.cross_attn(q, image_tokens, image_tokens)
        return self.out(self.norm(q + attended))


def example_input():
    captions = torch.randint(0, 100, (2, 5))
    image_tokens = torch.randn(2, 9, 32)  # 3x3 grid of patch features per image
    return captions, image_tokens


RAISES = ("forward", RuntimeError, "shape '[2, 20, 8]' is invalid for input of size 576")

EXPECTED = {
    "family": "attention",
    "silent": False,
    "source": "pytorch/pytorch#59159: seq-first MultiheadAttention given batch-first tensors",
    "findings": [
        {
            "layer": "cross_attn",
            "line": 19,
            "line_text": "self.cross_attn = nn.MultiheadAttention(dim, heads)",
            "numbers": [],
            "wrong": [],
            "fix": "query and memory are (batch, seq, embed): nn.MultiheadAttention(dim, heads, "
            "batch_first=True)",
        },
    ],
}
