"""GPT-2 from Hugging Face transformers, two blocks, randomly initialised.

    pip install transformers
    linearcli inspect specs/gpt2.py

GPT-2's attention and MLP projections are transformers' Conv1D modules, not nn.Linear:
each keeps its weight (in, out) and runs it with torch.addmm. linearcli shows them as
linear maps beside the Linear head, whose weight is the token embedding's (tied).
Builds from GPT2Config alone, so nothing is downloaded.
"""

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def build_model():
    return GPT2LMHeadModel(GPT2Config(n_layer=2))


def example_input():
    # Token ids: a batch of 2 sequences of 16 tokens from the 50,257-token vocabulary.
    return torch.randint(0, GPT2Config().vocab_size, (2, 16))
