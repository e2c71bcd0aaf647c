"""A batch-first TransformerEncoder classifier with a padding mask, given keyword inputs.

batch_first=True matches the (batch, tokens) ids, the padding mask is (batch, tokens)
as batch_first expects, and the class token at position 0 feeds the head.
"""
# Source: the batch_first=True fix discussed in TorchLeet issue #5 and in the OmDet
# issue on MultiheadAttention, https://github.com/Exorust/TorchLeet/issues/5

import torch
from torch import nn


class TextClassifier(nn.Module):
    def __init__(self, vocab=500, dim=32, n_classes=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        layer = nn.TransformerEncoderLayer(dim, 4, 64, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, input_ids, attention_mask):
        x = self.encoder(self.embed(input_ids), src_key_padding_mask=attention_mask == 0)
        return self.head(x[:, 0])


def example_input():
    ids = torch.randint(1, 500, (3, 10))
    mask = torch.ones(3, 10, dtype=torch.long)
    mask[1, 6:] = 0
    ids[1, 6:] = 0
    return {"input_ids": ids, "attention_mask": mask}


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "TorchLeet#5 fix: TransformerEncoderLayer(batch_first=True) with a padding mask",
    "findings": [],
}
