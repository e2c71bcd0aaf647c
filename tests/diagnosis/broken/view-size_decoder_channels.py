"""A convolutional autoencoder's decoder that unflattens into the wrong channel count.

fc gives 32*7*7 = 1568 values per sample; view(-1, 64, 7, 7) asks for 3136 per
sample, and 3 samples' 4704 values do not divide by 3136.
"""
# Source: PyTorch forum question on a conv autoencoder decoder
# ("shape '[-1, 64, 7, 7]' is invalid for input of size 4704").

import torch
from torch import nn


class Decoder(nn.Module):
    def __init__(self, latent_dim=16):
        super().__init__()
        self.fc = nn.Linear(latent_dim, 32 * 7 * 7)
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(64, 16, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, z):
        x = torch.relu(self.fc(z))
        x = x.view(-1, 64, 7, 7)
        return self.deconv(x)


def example_input():
    return torch.randn(3, 16)


RAISES = ("forward", RuntimeError, "shape '[-1, 64, 7, 7]' is invalid for input of size 4704")

EXPECTED = {
    "family": "view-size",
    "silent": False,
    "source": "PyTorch forum: autoencoder decoder view(-1, 64, 7, 7) after a 32*7*7 Linear",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "x = x.view(-1, 64, 7, 7)",
            "numbers": [32],
            "wrong": [],
            "fix": "fc gives 32 maps of 7x7: x.view(x.size(0), 32, 7, 7) and "
            "nn.ConvTranspose2d(32, 16, ...), or make fc nn.Linear(16, 64*7*7 = 3136)",
        },
    ],
}
