"""A tabular MLP built with a helper; one call passes the wrong input size.

dense(256, 64) follows dense(256, 128), which gives 128 features. The helper's own line,
nn.Linear(in_f, out_f), is right for every call. Expect: in-features-mismatch on
body.2.0, at the call dense(256, 64).
"""

import torch
from torch import nn


def dense(in_f, out_f):
    return nn.Sequential(nn.Linear(in_f, out_f), nn.BatchNorm1d(out_f), nn.ReLU())


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
