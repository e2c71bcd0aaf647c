"""A transformer block that calls a shared timm-style Mlp helper with the wrong width.

Mlp(in_features, hidden_features, out_features) is right; the block passes 192 (the
ViT-Tiny width) while its tokens are 128 wide. The helper's fc1 fails, but the
number to change is in the call.
"""
# Source: GitHub issue on a Swin/ViT re-ID backbone whose Mlp got another width
# ("mat1 and mat2 shapes cannot be multiplied (16x1024 and 512x171)"),
# https://github.com/layumi/Person_reID_baseline_pytorch/issues/409

import torch
from torch import nn


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, out_features=None):
        super().__init__()
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim=128, heads=4):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(in_features=192, hidden_features=4 * dim, out_features=dim)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def build_model():
    return Block()


def example_input():
    return torch.randn(2, 10, 128)


RAISES = ("forward", RuntimeError, "(20x128 and 192x512)")

EXPECTED = {
    "family": "helper",
    "silent": False,
    "source": "GitHub issue layumi/Person_reID_baseline_pytorch#409: Mlp built for another width",
    "findings": [
        {
            "layer": "mlp.fc1",
            "line": 34,
            "line_text": "self.mlp = Mlp(in_features=192",
            "numbers": [128],
            "wrong": [],
            "fix": "the tokens are 128 wide: Mlp(in_features=dim (128), hidden_features=4 * dim, "
            "out_features=dim) at the call site; Mlp's own nn.Linear(in_features, ...) is fine",
        },
    ],
}
