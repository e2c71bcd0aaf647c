"""A sentence-pair classifier with 2 labels loading a checkpoint fine-tuned on 3 (NLI).

The encoder weights fit; the classifier in the checkpoint is (3, 32), the model's
(2, 32).
"""
# Source: Q&A page on a BERT classifier with num_labels changed from 2 to 5 and the
# old state dict loaded into it (size mismatch on the classifier),
# https://taourl.com/read-2633688.html

import io

import torch
from torch import nn


class PairClassifier(nn.Module):
    def __init__(self, vocab=600, dim=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 64, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.classifier = nn.Linear(dim, 2)

    def forward(self, ids):
        return self.classifier(self.encoder(self.embed(ids))[:, 0])


class NliClassifier(PairClassifier):
    """The model the checkpoint was fine-tuned as: entailment, neutral, contradiction."""

    def __init__(self):
        super().__init__()
        self.classifier = nn.Linear(32, 3)


def nli_checkpoint():
    buffer = io.BytesIO()
    torch.save(NliClassifier().state_dict(), buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def build_model():
    model = PairClassifier()
    model.load_state_dict(nli_checkpoint())
    return model


def example_input():
    return torch.randint(0, 600, (2, 16))


RAISES = ("build", RuntimeError, "size mismatch for classifier.weight")

EXPECTED = {
    "family": "checkpoint",
    "silent": False,
    "source": "Q&A: classifier head with another num_labels than its checkpoint",
    "findings": [
        {
            "layer": "classifier",
            "line": 22,
            "line_text": "self.classifier = nn.Linear(dim, 2)",
            "numbers": [3],
            "wrong": [],
            "fix": "the checkpoint's classifier is (3, 32): nn.Linear(dim, 3) to load it as it "
            "is, or load with the 3-label head and replace it afterwards",
        },
    ],
}
