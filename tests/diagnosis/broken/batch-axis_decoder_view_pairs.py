"""A VAE decoder that unflattens into twice the channels its Linear produced.

fc makes 32*7*7 values per sample and view(-1, 64, 7, 7) wants 64*7*7: with an even
batch nothing raises, and every two samples are glued into one image, so a batch
of 4 latents decodes into 2 images.
"""
# Source: PyTorch forum question on a VAE that returned half as many reconstructions
# as inputs ("the reconstruction batch is half my batch size").

import torch
from torch import nn


class VAEDecoder(nn.Module):
    def __init__(self, latent_dim=8):
        super().__init__()
        self.fc = nn.Linear(latent_dim, 32 * 7 * 7)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(64, 16, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),
        )

    def forward(self, z):
        h = self.fc(z)
        h = h.view(-1, 64, 7, 7)
        return torch.sigmoid(self.up(h))


def example_input():
    return torch.randn(4, 8)


SYMPTOM = {"output_shape": [2, 1, 28, 28], "correct_output_shape": [4, 1, 28, 28]}

EXPECTED = {
    "family": "batch-axis",
    "silent": True,
    "source": "PyTorch forum: VAE decoder view(-1, 64, 7, 7) after 32*7*7 values per sample",
    "findings": [
        {
            "layer": None,
            "line": 26,
            "line_text": "h = h.view(-1, 64, 7, 7)",
            "numbers": [32],
            "wrong": [],
            "fix": "fc makes 32 maps of 7x7: h.view(h.size(0), 32, 7, 7) with "
            "nn.ConvTranspose2d(32, 16, ...), or fc = nn.Linear(8, 64*7*7 = 3136)",
        },
    ],
}
