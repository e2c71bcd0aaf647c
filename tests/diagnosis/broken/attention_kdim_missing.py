"""Cross-attention from 32-wide text tokens to 64-wide image features without kdim/vdim.

nn.MultiheadAttention assumes keys and values are embed_dim wide unless told
otherwise; the image features are 64 wide and the key projection (32x32) fails.
"""
# Source: PyTorch forum threads on cross-attention between modalities of different
# widths (the kdim and vdim arguments of nn.MultiheadAttention).

import torch
from torch import nn


class TextToImageAttention(nn.Module):
    def __init__(self, text_dim=32, image_dim=64, heads=4):
        super().__init__()
        self.attn = nn.MultiheadAttention(text_dim, heads, batch_first=True)
        self.ff = nn.Linear(text_dim, text_dim)

    def forward(self, text, image):
        attended, _ = self.attn(text, image, image)
        return self.ff(text + attended)


def build_model():
    return TextToImageAttention()


def example_input():
    return torch.randn(4, 6, 32), torch.randn(4, 9, 64)


RAISES = ("forward", RuntimeError, "(36x64 and 32x64)")

EXPECTED = {
    "family": "attention",
    "silent": False,
    "source": "PyTorch forum: cross-attention to wider features without kdim/vdim",
    "findings": [
        {
            "layer": "attn",
            "line": 16,
            "line_text": "self.attn = nn.MultiheadAttention(text_dim, heads, batch_first=True)",
            "numbers": [64],
            "wrong": [],
            "fix": "tell the attention the key and value width: nn.MultiheadAttention(32, 4, "
            "kdim=64, vdim=64, batch_first=True)",
        },
    ],
}
