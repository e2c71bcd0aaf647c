"""A small GPT whose config passes the layer count as the head count and back.

d_model=80 with 5 heads of 16 was meant, and 6 layers; the call swaps them, and
80 does not divide into 6 heads.
"""
# Source: GitHub issue on LLMs-from-scratch, "d_out must be divisible by num_heads"
# after swapping n_layers and n_heads in a config, https://github.com/rasbt/LLMs-from-scratch/issues/444

import torch
from torch import nn


class TinyGPT(nn.Module):
    def __init__(self, vocab=300, d_model=80, n_heads=5, n_layers=6, context=32):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(context, d_model)
        block = nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, batch_first=True)
        self.blocks = nn.TransformerEncoder(block, n_layers, enable_nested_tensor=False)
        self.lm_head = nn.Linear(d_model, vocab)

    def forward(self, ids):
        pos = torch.arange(ids.size(1))
        x = self.tok(ids) + self.pos(pos)
        mask = nn.Transformer.generate_square_subsequent_mask(ids.size(1))
        return self.lm_head(self.blocks(x, mask=mask, is_causal=True))


def build_model():
    config = {"vocab": 300, "d_model": 80, "context": 32}
    return TinyGPT(**config, n_heads=6, n_layers=5)


def example_input():
    return torch.randint(0, 300, (2, 10))


RAISES = ("build", AssertionError, "embed_dim must be divisible by num_heads")

EXPECTED = {
    "family": "attention",
    "silent": False,
    "source": "GitHub issue rasbt/LLMs-from-scratch#444: n_heads and n_layers swapped",
    "findings": [
        {
            "layer": "blocks.layers.0.self_attn",
            "line": 31,
            "line_text": "return TinyGPT(**config, n_heads=6, n_layers=5)",
            "numbers": [5],
            "wrong": [],
            "fix": "80 is not divisible by 6 heads: the head and layer counts are swapped, "
            "TinyGPT(**config, n_heads=5, n_layers=6) (5 heads of 16)",
        },
    ],
}
