"""A U-Net-style skip connection whose maps differ by one pixel.

15x15 images pool to 7x7 and upsample to 14x14, so torch.cat([y, skip], dim=1) meets a
14x14 and a 15x15 map. Expect: forward-error at the torch.cat line, with PyTorch's
message; head, after it, did not run (not-called, info).
"""

import torch
from torch import nn


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2)
        self.dec = nn.Conv2d(16, 8, 3, padding=1)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        skip = torch.relu(self.enc(x))
        y = self.up(self.pool(skip))
        y = torch.cat([y, skip], dim=1)
        y = torch.relu(self.dec(y))
        return self.head(y.mean(dim=(2, 3)))


def example_input():
    return torch.randn(2, 3, 15, 15)
