"""A greedy seq2seq decoder that collects its step outputs with torch.cat on dim 0.

Every step gives (batch, vocab) = (3, 50); cat on dim 0 piles the 6 steps up as
18 rows. The loss later flattens targets the same way, so nothing complains, but
the first axis is no longer the batch: torch.stack(outputs, dim=1) gives (3, 6, 50).
"""
# Source: PyTorch forum threads on collecting decoder outputs in a loop (torch.cat
# vs torch.stack, and on which dim).

import torch
from torch import nn


class GreedyDecoder(nn.Module):
    def __init__(self, vocab=50, dim=24, steps=6):
        super().__init__()
        self.steps = steps
        self.embed = nn.Embedding(vocab, dim)
        self.cell = nn.GRUCell(dim, dim)
        self.proj = nn.Linear(dim, vocab)

    def forward(self, context):
        h = context
        token = torch.zeros(context.size(0), dtype=torch.long)
        outputs = []
        for _ in range(self.steps):
            h = self.cell(self.embed(token), h)
            logits = self.proj(h)
            outputs.append(logits)
            token = logits.argmax(dim=-1)
        return torch.cat(outputs, dim=0)


def example_input():
    return torch.randn(3, 24)


SYMPTOM = {"output_shape": [18, 50], "correct_output_shape": [3, 6, 50]}

EXPECTED = {
    "family": "cat",
    "silent": True,
    "source": "PyTorch forum: decoder step outputs joined with torch.cat(outputs, dim=0)",
    "findings": [
        {
            "layer": None,
            "line": 31,
            "line_text": "return torch.cat(outputs, dim=0)",
            "numbers": [1],
            "wrong": [],
            "fix": "keep the batch first and add a step axis: torch.stack(outputs, dim=1), "
            "(3, 6, 50)",
        },
    ],
}
