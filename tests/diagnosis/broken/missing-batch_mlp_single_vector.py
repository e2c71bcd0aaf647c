"""An MLP asked to score one flattened digit of shape (784,), without a batch axis.

nn.Linear accepts a 1-D input, so nothing raises, but the logits come out (10,)
instead of (1, 10): argmax(dim=1) or a loss against a (1,) target fails later.
"""
# Source: PyTorch forum questions on single-sample inference with an MLP ("the
# output has no batch dimension", "Dimension out of range" in argmax(dim=1)).

import torch
from torch import nn


class DigitMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def example_input():
    digit = torch.rand(784)  # one test digit, already flattened
    return digit


SYMPTOM = {"output_shape": [10], "correct_output_shape": [1, 10]}

EXPECTED = {
    "family": "missing-batch",
    "silent": True,
    "source": "PyTorch forum: one flattened digit (784,) into an MLP, logits (10,)",
    "findings": [
        {
            "layer": None,
            "line": 25,
            "line_text": "return digit",
            "numbers": [0],
            "wrong": [],
            "fix": "add the batch axis: return digit.unsqueeze(0), (1, 784)",
        },
    ],
}
