"""An MLP-Mixer layer: a token-mixing MLP applied over the transposed token axis.

A conv patch embedding gives (B, 32, 4, 4) maps, flattened and transposed to 16
tokens of 32 channels. Token mixing transposes to (B, 32, 16) and runs
nn.Linear(16, 64) over the tokens; channel mixing then runs over the channels.
"""
# Source: the MLP-Mixer paper's layer (token-mixing MLP on the transposed patch
# table, then channel-mixing MLP), as in its public re-implementations.

import torch
from torch import nn


class MlpBlock(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


class MixerLayer(nn.Module):
    def __init__(self, n_tokens, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = MlpBlock(n_tokens, 64)  # mixes the 16 tokens
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = MlpBlock(dim, 128)

    def forward(self, x):
        y = self.norm1(x).transpose(1, 2)  # (B, tokens, C) -> (B, C, tokens)
        x = x + self.token_mlp(y).transpose(1, 2)
        return x + self.channel_mlp(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.patch = nn.Conv2d(3, 32, kernel_size=8, stride=8)
        self.layer = MixerLayer(n_tokens=16, dim=32)
        self.head = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)  # (B, 16 tokens, 32)
        x = self.layer(x)
        return self.head(x.mean(dim=1))


def build_model():
    return Mixer()


def example_input():
    return torch.randn(3, 3, 32, 32)


EXPECTED = {
    "family": "correct",
    "silent": False,
    "source": "MLP-Mixer: token-mixing Linear over the transposed token axis",
    "findings": [],
}
