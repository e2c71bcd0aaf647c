"""Multi-head attention that merges the heads back with view() after a transpose.

After y.transpose(1, 2) the tensor is not contiguous, and view() cannot merge the
head axes: the call raises however the sizes add up.
"""
# Source: GitHub issues on hand-written attention blocks ("view size is not compatible
# with input tensor's size and stride ... Use .reshape(...) instead").

import torch
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.to_qkv(x).reshape(B, N, 3, self.heads, C // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5
        y = attn.softmax(dim=-1) @ v
        y = y.transpose(1, 2).view(B, N, C)
        return self.proj(y)


def example_input():
    return torch.randn(2, 6, 32)


RAISES = ("forward", RuntimeError, "view size is not compatible with input tensor's size")

EXPECTED = {
    "family": "view-size",
    "silent": False,
    "source": "GitHub issues: merging attention heads with view() after transpose()",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "y = y.transpose(1, 2).view(B, N, C)",
            "numbers": [],
            "wrong": [],
            "fix": "use reshape (or .contiguous().view): y.transpose(1, 2).reshape(B, N, C)",
        },
    ],
}
