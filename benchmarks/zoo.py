"""Models for the benchmarks, built with random weights from configs: nothing is downloaded.

Each builder returns ``(model, inputs)``, the model in eval mode and ``inputs`` the tuple
that ``inspect_model(model, *inputs)`` and ``torchinfo.summary(model, input_data=inputs)``
both pass on positionally. Each seeds torch first, so two builds are the same model. A
config is shrunk where the full one takes more than about 2 s a forward pass on 2 CPU
cores; the builder's docstring says so.

torch and transformers are imported inside the builders: importing this module is free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

Built = tuple["nn.Module", tuple["torch.Tensor", ...]]


def _seeded() -> None:
    import torch

    torch.manual_seed(0)


def _tokens(vocab_size: int, length: int = 128) -> torch.Tensor:
    import torch

    return torch.randint(0, vocab_size, (1, length))


def _image(size: int = 224) -> torch.Tensor:
    import torch

    return torch.randn(1, 3, size, size)


def bert_base() -> Built:
    """BERT-base (`BertConfig()` as is: 12 layers, 768 wide), 128 token ids."""
    from transformers import BertConfig, BertModel

    _seeded()
    config = BertConfig()
    return BertModel(config).eval(), (_tokens(config.vocab_size),)


def gpt2() -> Built:
    """GPT-2 small with its LM head (`GPT2Config()` as is: 12 layers, 768 wide), 128 ids."""
    from transformers import GPT2Config, GPT2LMHeadModel

    _seeded()
    config = GPT2Config()
    return GPT2LMHeadModel(config).eval(), (_tokens(config.vocab_size),)


def vit_base() -> Built:
    """ViT-base/16 (`ViTConfig()` as is), one 224x224 image: 197 tokens."""
    from transformers import ViTConfig, ViTModel

    _seeded()
    return ViTModel(ViTConfig()).eval(), (_image(),)


def resnet50() -> Built:
    """ResNet-50 (`ResNetConfig()` as is), one 224x224 image: no Linear at all."""
    from transformers import ResNetConfig, ResNetModel

    _seeded()
    return ResNetModel(ResNetConfig()).eval(), (_image(),)


def t5_small_encoder() -> Built:
    """T5-small's encoder (`T5Config()` as is: 6 layers, 512 wide), 128 ids.

    The encoder only: `T5Model` also needs ``decoder_input_ids``, which
    ``inspect_model(model, *inputs)`` cannot pass by keyword.
    """
    from transformers import T5Config, T5EncoderModel

    _seeded()
    config = T5Config()
    return T5EncoderModel(config).eval(), (_tokens(config.vocab_size),)


def llama_small() -> Built:
    """A Llama-style decoder with its LM head, shrunk: `LlamaConfig()` is the 7B model.

    4 layers, 512 wide, 8 heads sharing 2 key/value heads (grouped-query attention),
    SwiGLU MLP 1,376 wide, the 32,000-token vocabulary; 128 ids.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    _seeded()
    config = LlamaConfig(
        hidden_size=512,
        intermediate_size=1376,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=2,
    )
    return LlamaForCausalLM(config).eval(), (_tokens(config.vocab_size),)


def wav2vec2_base() -> Built:
    """Wav2Vec2-base (`Wav2Vec2Config()` as is: 7 conv layers, 12 layers 768 wide), 1 s of
    16 kHz audio: 49 frames."""
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    _seeded()
    return Wav2Vec2Model(Wav2Vec2Config()).eval(), (torch.randn(1, 16000),)


def whisper_encoder() -> Built:
    """Whisper's encoder with `WhisperConfig()` as is (tiny-sized: 4 layers, 256 wide), 30 s
    of 80 log-mel bins: 3,000 frames, 1,500 tokens.

    The encoder only: `WhisperModel` also needs ``decoder_input_ids``, which
    ``inspect_model(model, *inputs)`` cannot pass by keyword.
    """
    import torch
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder

    _seeded()
    config = WhisperConfig()
    frames = 2 * config.max_source_positions
    return WhisperEncoder(config).eval(), (torch.randn(1, config.num_mel_bins, frames),)


def swin_tiny() -> Built:
    """Swin-T (`SwinConfig()` as is), one 224x224 image."""
    from transformers import SwinConfig, SwinModel

    _seeded()
    return SwinModel(SwinConfig()).eval(), (_image(),)


def convnext_tiny() -> Built:
    """ConvNeXt-T (`ConvNextConfig()` as is), one 224x224 image; its MLPs are Linears."""
    from transformers import ConvNextConfig, ConvNextModel

    _seeded()
    return ConvNextModel(ConvNextConfig()).eval(), (_image(),)


def deep_mlp(linears: int = 500, width: int = 64) -> Built:
    """Plain torch: ``linears`` Linear(64, 64) + ReLU pairs, a batch of 8."""
    import torch
    from torch import nn

    _seeded()
    layers: list[nn.Module] = []
    for _ in range(linears):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers[:-1]).eval(), (torch.randn(8, width),)


def transformer_style(blocks: int = 96, d: int = 64) -> Built:
    """96 blocks of 5 Linears (q, k, v, out, ff) on (batch, tokens, features): 480 Linears."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(d)
            self.q, self.k, self.v, self.out, self.ff = (nn.Linear(d, d) for _ in range(5))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.norm(x)
            scores = torch.softmax(self.q(h) @ self.k(h).transpose(-1, -2) / d**0.5, dim=-1)
            x = x + self.out(scores @ self.v(h))
            return x + self.ff(torch.relu(x))

    _seeded()
    model = nn.Sequential(*(Block() for _ in range(blocks))).eval()
    return model, (torch.randn(2, 16, d),)


def torch_transformer_encoder() -> Built:
    """torch's own `nn.TransformerEncoder`: 6 layers of d_model 512, 8 heads, feed-forward
    2,048 (the paper's base encoder), batch first, 128 tokens."""
    import torch
    from torch import nn

    _seeded()
    layer = nn.TransformerEncoderLayer(d_model=512, nhead=8, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=6, enable_nested_tensor=False)
    return model.eval(), (torch.randn(1, 128, 512),)


MODELS: dict[str, Callable[[], Built]] = {
    "bert_base": bert_base,
    "gpt2": gpt2,
    "vit_base": vit_base,
    "resnet50": resnet50,
    "t5_small_encoder": t5_small_encoder,
    "llama_small": llama_small,
    "wav2vec2_base": wav2vec2_base,
    "whisper_encoder": whisper_encoder,
    "swin_tiny": swin_tiny,
    "convnext_tiny": convnext_tiny,
    "deep_mlp": deep_mlp,
    "transformer_style": transformer_style,
    "torch_transformer_encoder": torch_transformer_encoder,
}


def shapes(inputs: tuple[Any, ...]) -> str:
    """``(1, 128) int64``-style description of a builder's inputs."""
    return ", ".join(f"{tuple(x.shape)} {str(x.dtype).removeprefix('torch.')}" for x in inputs)
