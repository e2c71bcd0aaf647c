"""A greedy seq2seq decoder that returns its steps step-major, joined with torch.cat on dim 0.

Every step gives (batch, vocab) = (3, 50); cat on dim 0 piles the 6 steps up as 18
rows, step by step. Each row is still one sample's step, and a loss that lays out its
targets the same way (targets.T.reshape(-1)) trains correctly. Whether the rows and
the targets pair up is decided in the training loop, which linearcli never sees; the
same cat joins two views for a contrastive loss (SimCLR) or real and generated images
for a discriminator. A model inspector must not call it a bug. (Once in broken/ as a
silent case; moved here because the model alone is not wrong.)
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


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "PyTorch forum: decoder step outputs joined with torch.cat(outputs, dim=0)",
    "findings": [],
}
