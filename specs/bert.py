"""A real third-party model: BERT-base from Hugging Face transformers, randomly initialised.

    pip install transformers
    linearcli inspect specs/bert.py

Builds from BertConfig() alone, so nothing is downloaded.
"""

import torch
from transformers import BertConfig, BertModel


def build_model():
    return BertModel(BertConfig())


def example_input():
    # Token ids: a batch of 2 sequences of 16 tokens from the 30,522-word vocabulary.
    return torch.randint(0, BertConfig().vocab_size, (2, 16))
