"""A tabular network stacked from a dense(in_f, out_f) helper, one call with the wrong width.

dense(256, 128) gives 128 features; the next call says dense(256, 64).
"""
# Source: GitHub issue on an MLP helper whose in_dim default did not match the data
# ("mat1 and mat2 shapes cannot be multiplied (640x16 and 196x512)"),
# https://github.com/ethanfetaya/NRI/issues/34

import torch
from torch import nn


def dense(in_f, out_f, p=0.1):
    return nn.Sequential(nn.Linear(in_f, out_f), nn.BatchNorm1d(out_f), nn.ReLU(), nn.Dropout(p))


class TabularNet(nn.Module):
    def __init__(self, n_features=40, n_classes=2):
        super().__init__()
        self.body = nn.Sequential(
            dense(n_features, 256),
            dense(256, 128),
            dense(256, 64),
        )
        self.out = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.out(self.body(x))


def example_input():
    return torch.randn(8, 40)


RAISES = ("forward", RuntimeError, "(8x128 and 256x64)")

EXPECTED = {
    "family": "helper",
    "silent": False,
    "source": "GitHub issue ethanfetaya/NRI#34: MLP helper built with the wrong in_dim",
    "findings": [
        {
            "layer": "body.2.0",
            "line": 23,
            "line_text": "dense(256, 64),",
            "numbers": [128],
            "wrong": [],
            "fix": "the previous layer gives 128 features: dense(128, 64) at the call site",
        },
    ],
}
