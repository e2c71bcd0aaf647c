"""Attention projections written with einsum over explicit weight tensors.

The query/key/value weights are one (3, heads, dim, head_dim) parameter applied with
torch.einsum, and the output projection uses an nn.Linear's (out, in) weight
through einsum as well ("bti,oi->bto"), contractions instead of matmuls.
"""
# Source: einsum-based attention implementations (as in several JAX-to-PyTorch
# ports) that keep per-head projection weights as one tensor.

import torch
from torch import nn


class EinsumAttention(nn.Module):
    def __init__(self, dim=24, heads=3):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.w_qkv = nn.Parameter(torch.randn(3, heads, dim, self.head_dim) * dim**-0.5)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = torch.einsum("btd,shdk->sbhtk", x, self.w_qkv)
        att = torch.einsum("bhtk,bhsk->bhts", q, k) * self.head_dim**-0.5
        y = torch.einsum("bhts,bhsk->bthk", att.softmax(dim=-1), v).flatten(2)
        # the output projection's (out, in) weight, applied as x @ W.T
        return torch.einsum("bti,oi->bto", y, self.out.weight) + self.out.bias


def example_input():
    return torch.randn(2, 5, 24)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "einsum attention with a stacked (3, heads, dim, head_dim) projection weight",
    "findings": [],
}
