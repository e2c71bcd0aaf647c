"""A tied-embedding language model head that calls F.linear with its arguments swapped.

F.linear(input, weight): here the (1000, 48) embedding matrix is passed as the input
and the hidden states as the weight.
"""
# Source: GitHub issues on weight tying written by hand (F.linear(self.embed.weight, h)
# instead of F.linear(h, self.embed.weight)).

import torch
import torch.nn.functional as F
from torch import nn


class TinyLM(nn.Module):
    def __init__(self, vocab=1000, dim=48):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.mix = nn.Linear(dim, dim)

    def forward(self, ids):
        h = torch.tanh(self.mix(self.embed(ids)))
        return F.linear(self.embed.weight, h)


def example_input():
    return torch.randint(0, 1000, (2, 7))


RAISES = ("forward", RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D")

EXPECTED = {
    "family": "transposed",
    "silent": False,
    "source": "GitHub issues: hand-tied LM head with F.linear(weight, input) swapped",
    "findings": [
        {
            "layer": None,
            "line": 22,
            "line_text": "return F.linear(self.embed.weight, h)",
            "numbers": [],
            "wrong": [],
            "fix": "F.linear takes the input first: F.linear(h, self.embed.weight) gives "
            "(2, 7, 1000) logits",
        },
    ],
}
