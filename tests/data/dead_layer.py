import torch
from torch import nn


class WithSpare(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.spare = nn.Linear(4, 4)  # defined, never used

    def forward(self, x):
        return self.fc(x)


example_input = lambda: torch.randn(2, 8)  # noqa: E731
