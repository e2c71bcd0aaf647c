"""A CRNN text recogniser whose LSTM input_size counts the channels but not the height.

The CNN leaves (B, 64, 2, 25); the columns become time steps with 64*2 = 128
features each, but the LSTM was built for 64.
"""
# Source: PyTorch forum thread on a CRNN (CNN + LSTM) for text recognition,
# https://discuss.pytorch.org/t/lstm-change-batch-first-true-loss-does-not-decrease/62364

import torch
from torch import nn


class CRNN(nn.Module):
    def __init__(self, n_chars=37):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d((4, 2)),
        )
        self.rnn = nn.LSTM(64, 48, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(96, n_chars)

    def forward(self, x):
        f = self.cnn(x)  # (batch, channels, height, width)
        b, c, h, w = f.shape
        f = f.permute(0, 3, 1, 2).reshape(b, w, c * h)  # one step per column
        out, _ = self.rnn(f)
        return self.fc(out)


def example_input():
    # grey text lines 16 pixels high, 100 wide
    return torch.randn(2, 1, 16, 100)


RAISES = (
    "forward",
    RuntimeError,
    "input.size(-1) must be equal to input_size. Expected 64, got 128",
)

EXPECTED = {
    "family": "rnn",
    "silent": False,
    "source": "PyTorch forum: CRNN with the LSTM sized to the CNN channels, not channels*height",
    "findings": [
        {
            "layer": "rnn",
            "line": 24,
            "line_text": "self.rnn = nn.LSTM(64, 48",
            "numbers": [128],
            "wrong": [],
            "fix": "each column holds 64 channels x 2 rows = 128 features: nn.LSTM(128, 48, ...)",
        },
    ],
}
