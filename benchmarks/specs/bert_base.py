"""BERT-base with random weights, for `benchmarks/bench.py --only models`.

    python -m linearcli inspect benchmarks/specs/bert_base.py

The same model and input as ``bert_base`` in benchmarks/zoo.py: `BertConfig()` as is,
one sequence of 128 token ids. Nothing is downloaded. The plain-script baseline runs this
file's two functions itself, so both sides build the same model.
"""

import torch
from transformers import BertConfig, BertModel


def build_model() -> BertModel:
    return BertModel(BertConfig())


def example_input() -> torch.Tensor:
    return torch.randint(0, BertConfig().vocab_size, (1, 128))
