"""Self-attention copied from a 128-wide model into a 96-wide one, head size kept.

q.view(B, T, 8, 16) assumes 8 heads of 16 = 128 channels; the projections now give
96 per token, so each head holds 96 / 8 = 12.
"""
# Source: PyTorch forum question on a hand-written multi-head attention that broke
# when d_model changed ("shape '[2, 5, 8, 16]' is invalid for input of size 960").

import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, d_model=96, n_heads=8):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(B, T, self.n_heads, 16).transpose(1, 2)
        k = k.view(B, T, self.n_heads, 16).transpose(1, 2)
        v = v.view(B, T, self.n_heads, 16).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / 4.0
        y = att.softmax(dim=-1) @ v
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.out(y)


def example_input():
    return torch.randn(2, 5, 96)


RAISES = ("forward", RuntimeError, "shape '[2, 5, 8, 16]' is invalid for input of size 960")

EXPECTED = {
    "family": "view-size",
    "silent": False,
    "source": "PyTorch forum: hand-written attention with a head size from a 128-wide config",
    "findings": [
        {
            "layer": None,
            "line": 23,
            "line_text": "q = q.view(B, T, self.n_heads, 16)",
            "numbers": [12],
            "wrong": [],
            "fix": "the head size is 96 / 8 = 12: q.view(B, T, self.n_heads, C // self.n_heads) "
            "(the same for k and v)",
        },
    ],
}
