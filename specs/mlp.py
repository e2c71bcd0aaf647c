"""The network from the classic "what is self.hidden?" question, as a Python spec.

    linearcli inspect specs/mlp.py

finds the one nn.Module subclass below by itself and runs it on ``example_input``.
"""

import torch
import torch.nn.functional as F
from torch import nn


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)  # inputs to hidden layer linear transformation
        self.output = nn.Linear(256, 10)  # output layer, 10 units - one for each digit

    def forward(self, x):
        x = self.hidden(x)
        x = torch.sigmoid(x)
        x = self.output(x)
        x = F.softmax(x, dim=1)
        return x


def example_input():
    # A function, so the batch is drawn after the weights: same seed, same weights as mlp.yaml.
    return torch.randn(3, 784)
