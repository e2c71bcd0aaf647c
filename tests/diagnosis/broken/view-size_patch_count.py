"""A tiny ViT whose patch count was computed for another image size.

img_size=28 with 8-pixel patches gives (28 // 8)**2 = 9 patches, but the 32x32
images cut into 4x4 = 16: the view into (B, 64, 9) cannot hold 64*16 values.
"""
# Source: GitHub issues on ViT ports where img_size in the config disagreed with the
# data ("shape '[4, 64, 9]' is invalid for input of size 4096").

import torch
from torch import nn


class PatchEmbed(nn.Module):
    def __init__(self, img_size=28, patch_size=8, in_chans=3, embed_dim=64):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.embed_dim = embed_dim
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)
        x = x.view(x.shape[0], self.embed_dim, self.num_patches)
        return x.transpose(1, 2)


class TinyViT(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.norm = nn.LayerNorm(64)
        self.head = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.norm(self.patch_embed(x))
        return self.head(x.mean(dim=1))


def build_model():
    return TinyViT()


def example_input():
    return torch.randn(1, 3, 32, 32)


RAISES = ("forward", RuntimeError, "shape '[1, 64, 9]' is invalid for input of size 1024")

EXPECTED = {
    "family": "view-size",
    "silent": False,
    "source": "GitHub issues: ViT patch embedding with img_size not matching the images",
    "findings": [
        {
            "layer": None,
            "line": 22,
            "line_text": "x = x.view(x.shape[0], self.embed_dim, self.num_patches)",
            "numbers": [16],
            "wrong": [9],
            "fix": "the maps hold 4*4 = 16 patches: x.flatten(2) (or view(B, 64, 16)), "
            "or build PatchEmbed(img_size=32)",
        },
    ],
}
