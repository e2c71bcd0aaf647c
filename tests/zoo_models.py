"""Real architectures for the zoo test (tests/test_zoo.py): random weights, nothing downloaded.

``MODELS`` maps a name to a builder. Each builder seeds torch, builds its model from a
public package's config class (transformers, peft) or from plain torch written here, puts
it in eval mode and returns a ``Zoo``: the model and one sample batch as its forward takes
it, positionally (``args``) and by keyword (``kwargs``: Hugging Face models take
``input_ids=``, ``pixel_values=`` ...). Every config is shrunk (hidden 32-64, two layers,
a vocabulary of 100, 32-pixel images), so that the whole zoo runs in well under a minute
on two CPU cores; the architecture, not the size, is what each one stands for.

transformers and peft are imported inside the builders: importing this module costs only
torch. A builder can run inside ``torch.device("meta")`` (linearcli's ``--device meta``
builds the model there): its sample tensors then land on meta too.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass(frozen=True)
class Zoo:
    """A model in eval mode and a sample batch: ``model(*args, **kwargs)`` runs."""

    model: nn.Module
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def example_input(self) -> tuple[Any, ...] | dict[str, Any]:
        """The batch as a Python spec's ``example_input`` gives it: the positional tuple,
        or, where some input goes by keyword, every input by keyword (the positional
        ones under their parameter names in the model's forward)."""
        if not self.kwargs:
            return self.args
        if not self.args:
            return dict(self.kwargs)
        bound = inspect.signature(self.model.forward).bind_partial(*self.args, **self.kwargs)
        return dict(bound.arguments)


Builder = Callable[[], Zoo]
MODELS: dict[str, Builder] = {}
# The builders whose model comes from transformers or peft (weights from their _init_weights).
HUGGING_FACE: set[str] = set()

# torch 2.13 deprecates quantized tensors: quantize_dynamic and unpacking a weight warn.
QUANTIZED_TENSORS_DEPRECATED = "torch.quantize_per_tensor, torch.quantize_per_channel"
# Warnings a model's own forward emits, by builder: (category, start of the message).
FORWARD_WARNINGS: dict[str, tuple[type[Warning], str]] = {
    # nn.TransformerEncoder in eval turns a padded batch into a nested tensor, and torch
    # says the nested tensor API is a prototype (once a process, from C++).
    "torch_transformer_encoder": (UserWarning, "The PyTorch API of nested tensors"),
}

VOCAB = 100
BATCH = 2
TOKENS = 8
IMAGE = 32


def _register(*, hugging_face: bool = False) -> Callable[[Builder], Builder]:
    def add(builder: Builder) -> Builder:
        name = builder.__name__
        assert name not in MODELS, name
        MODELS[name] = builder
        if hugging_face:
            HUGGING_FACE.add(name)
        return builder

    return add


def _tokens(vocab_size: int = VOCAB, length: int = TOKENS, low: int = 3) -> torch.Tensor:
    """Token ids above the special ones (pad, bos, eos are 0-2 in these configs)."""
    return torch.randint(low, vocab_size, (BATCH, length))


def _padding_mask(length: int = TOKENS) -> torch.Tensor:
    """The second sequence padded after 5 tokens: 1 for a token, 0 for padding."""
    mask = torch.ones(BATCH, length, dtype=torch.long)
    mask[1, 5:] = 0
    return mask


def _images(size: int = IMAGE, channels: int = 3) -> torch.Tensor:
    return torch.randn(BATCH, channels, size, size)


@contextmanager
def _quiet(category: type[Warning], message: str = "") -> Iterator[None]:
    """Ignore one kind of warning a library emits while the model is built."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=message, category=category)
        yield


# --- transformers: text -------------------------------------------------------------------


@_register(hugging_face=True)
def bert() -> Zoo:
    """BERT (BertModel): post-norm encoder, separate q/k/v Linears, pooler, padding mask."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    model = BertModel(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "attention_mask": _padding_mask()})


@_register(hugging_face=True)
def gpt2() -> Zoo:
    """GPT-2 with its LM head: transformers' Conv1D (weights kept (in, out), run by addmm),
    fused c_attn packing q, k and v, and the head tied to the token embedding."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=VOCAB,
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=1,
        eos_token_id=2,
    )
    return Zoo(GPT2LMHeadModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def t5() -> Zoo:
    """T5 encoder-decoder (T5Model): relative position buckets, gated-free ReLU FFN, no
    biases, the decoder's cross-attention; driven with decoder_input_ids."""
    from transformers import T5Config, T5Model

    torch.manual_seed(0)
    config = T5Config(
        vocab_size=VOCAB,
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
    )
    model = T5Model(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "decoder_input_ids": _tokens(length=4)})


@_register(hugging_face=True)
def bart() -> Zoo:
    """BART for generation: encoder-decoder with learned positions, the LM head tied to the
    shared embedding, a final_logits_bias buffer."""
    from transformers import BartConfig, BartForConditionalGeneration

    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=VOCAB,
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=64,
    )
    model = BartForConditionalGeneration(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "decoder_input_ids": _tokens(length=4)})


def _llama_config() -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )


@_register(hugging_face=True)
def llama() -> Zoo:
    """Llama with its LM head: RMSNorm, rotary positions, grouped-query attention (4 query
    heads sharing 2 key/value heads), SwiGLU MLP, an untied head."""
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(_llama_config()).eval()
    return Zoo(model, kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def qwen2_moe() -> Zoo:
    """Qwen2-MoE: a router picking 2 of 4 experts per token (a bank of expert weights),
    plus a gated shared expert, in every layer."""
    from transformers import Qwen2MoeConfig, Qwen2MoeModel

    torch.manual_seed(0)
    config = Qwen2MoeConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        moe_intermediate_size=16,
        shared_expert_intermediate_size=32,
        num_experts=4,
        num_experts_per_tok=2,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    return Zoo(Qwen2MoeModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def mixtral() -> Zoo:
    """Mixtral: sparse mixture of experts, top-2 of 4 experts per token, sliding-window
    grouped-query attention."""
    from transformers import MixtralConfig, MixtralModel

    torch.manual_seed(0)
    config = MixtralConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_local_experts=4,
        num_experts_per_tok=2,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    return Zoo(MixtralModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def deberta_v2() -> Zoo:
    """DeBERTa-v2/v3: disentangled attention over relative positions (log buckets, shared
    position keys, c2p and p2c terms), as DeBERTa-v3 configures it."""
    from transformers import DebertaV2Config, DebertaV2Model

    torch.manual_seed(0)
    config = DebertaV2Config(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        relative_attention=True,
        position_buckets=16,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        pos_att_type=["p2c", "c2p"],
    )
    model = DebertaV2Model(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "attention_mask": _padding_mask()})


@_register(hugging_face=True)
def gpt_neox() -> Zoo:
    """GPT-NeoX (Pythia) with its head: packed query_key_value Linear, partial rotary
    positions, parallel attention and MLP residual."""
    from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

    torch.manual_seed(0)
    config = GPTNeoXConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        rotary_pct=0.25,
    )
    return Zoo(GPTNeoXForCausalLM(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def falcon() -> Zoo:
    """Falcon: multi-query attention (one key/value head) packed in one Linear, parallel
    attention and MLP, no biases."""
    from transformers import FalconConfig, FalconModel

    torch.manual_seed(0)
    config = FalconConfig(
        vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4
    )
    return Zoo(FalconModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def opt() -> Zoo:
    """OPT with its head: embeddings narrower than the model (project_in / project_out
    Linears around the decoder), learned positions offset by 2, head tied to embeddings."""
    from transformers import OPTConfig, OPTForCausalLM

    torch.manual_seed(0)
    config = OPTConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        word_embed_proj_dim=16,
        num_hidden_layers=2,
        ffn_dim=64,
        num_attention_heads=4,
        max_position_embeddings=64,
    )
    model = OPTForCausalLM(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "attention_mask": _padding_mask()})


@_register(hugging_face=True)
def roberta() -> Zoo:
    """RoBERTa for sequence classification: BERT's encoder, positions after the padding
    id, and a two-Linear classification head on the first token."""
    from transformers import RobertaConfig, RobertaForSequenceClassification

    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=3,
    )
    model = RobertaForSequenceClassification(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "attention_mask": _padding_mask()})


@_register(hugging_face=True)
def distilbert() -> Zoo:
    """DistilBERT for masked LM: q_lin/k_lin/v_lin/out_lin attention, the vocabulary
    projector tied to the word embeddings."""
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=VOCAB,
        dim=32,
        n_layers=2,
        n_heads=4,
        hidden_dim=64,
        max_position_embeddings=64,
    )
    model = DistilBertForMaskedLM(config).eval()
    return Zoo(model, kwargs={"input_ids": _tokens(), "attention_mask": _padding_mask()})


@_register(hugging_face=True)
def albert() -> Zoo:
    """ALBERT: factorised embeddings (a 16 -> 32 Linear into the encoder) and one layer's
    weights shared by every layer: the same Linears called once per layer."""
    from transformers import AlbertConfig, AlbertModel

    torch.manual_seed(0)
    config = AlbertConfig(
        vocab_size=VOCAB,
        embedding_size=16,
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    return Zoo(AlbertModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def electra() -> Zoo:
    """ELECTRA's discriminator: embeddings projected up to the hidden size, and a per-token
    replaced-token-detection head."""
    from transformers import ElectraConfig, ElectraForPreTraining

    torch.manual_seed(0)
    config = ElectraConfig(
        vocab_size=VOCAB,
        embedding_size=16,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    return Zoo(ElectraForPreTraining(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def clip() -> Zoo:
    """CLIP, both towers: a causal text transformer pooled at its end token, a ViT image
    tower, bias-free projections into a shared space and a learned logit scale."""
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={
            "vocab_size": VOCAB,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 16,
            "bos_token_id": 1,
            "eos_token_id": 2,
        },
        vision_config={
            "image_size": IMAGE,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
        },
        projection_dim=16,
    )
    tokens = _tokens()
    tokens[:, -1] = 2  # the end token the text tower pools at
    return Zoo(CLIPModel(config).eval(), kwargs={"input_ids": tokens, "pixel_values": _images()})


@_register(hugging_face=True)
def gemma() -> Zoo:
    """Gemma with its LM head: multi-query attention (one key/value head), GeGLU MLP,
    embeddings scaled by sqrt(hidden), and the head tied to the token embedding."""
    from transformers import GemmaConfig, GemmaForCausalLM

    torch.manual_seed(0)
    config = GemmaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=8,
        max_position_embeddings=64,
    )
    return Zoo(GemmaForCausalLM(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def xlnet() -> Zoo:
    """XLNet: two-stream relative attention whose q, k, v, o and r projections are 3-D
    parameters (d_model, heads, head_dim) applied by einsum, not Linears."""
    from transformers import XLNetConfig, XLNetModel

    torch.manual_seed(0)
    config = XLNetConfig(vocab_size=VOCAB, d_model=32, n_layer=2, n_head=4, d_inner=64)
    return Zoo(XLNetModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def perceiver() -> Zoo:
    """Perceiver: a learned latent array (a 2-D parameter that is no weight matrix)
    cross-attends to the inputs, then self-attends; keys and values from another width."""
    from transformers import PerceiverConfig, PerceiverModel

    torch.manual_seed(0)
    config = PerceiverConfig(
        num_latents=8,
        d_latents=32,
        d_model=16,
        num_blocks=1,
        num_self_attends_per_block=2,
        num_self_attention_heads=4,
        num_cross_attention_heads=1,
    )
    return Zoo(PerceiverModel(config).eval(), kwargs={"inputs": torch.randn(BATCH, 12, 16)})


# --- transformers: vision -----------------------------------------------------------------


@_register(hugging_face=True)
def vit() -> Zoo:
    """ViT for image classification: patch embedding by a strided Conv2d, class token,
    pre-norm encoder, a Linear classifier on the class token."""
    from transformers import ViTConfig, ViTForImageClassification

    torch.manual_seed(0)
    config = ViTConfig(
        image_size=IMAGE,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        num_labels=10,
    )
    return Zoo(ViTForImageClassification(config).eval(), kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def swin() -> Zoo:
    """Swin: shifted-window attention with a relative position bias table, patch merging
    (a 4C -> 2C Linear) between stages."""
    from transformers import SwinConfig, SwinModel

    torch.manual_seed(0)
    config = SwinConfig(
        image_size=IMAGE,
        patch_size=4,
        embed_dim=16,
        depths=[2, 2],
        num_heads=[2, 4],
        window_size=4,
    )
    return Zoo(SwinModel(config).eval(), kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def convnext() -> Zoo:
    """ConvNeXt for classification: depthwise 7x7 convolutions, then Linears over the
    channels of a channels-last feature map, layer scale, a Linear classifier."""
    from transformers import ConvNextConfig, ConvNextForImageClassification

    torch.manual_seed(0)
    config = ConvNextConfig(num_stages=2, hidden_sizes=[16, 32], depths=[1, 1], num_labels=10)
    model = ConvNextForImageClassification(config).eval()
    return Zoo(model, kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def resnet() -> Zoo:
    """ResNet for classification: convolutions and BatchNorm all the way, then one Linear
    after a Flatten."""
    from transformers import ResNetConfig, ResNetForImageClassification

    torch.manual_seed(0)
    config = ResNetConfig(
        embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], layer_type="basic", num_labels=10
    )
    model = ResNetForImageClassification(config).eval()
    return Zoo(model, kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def mobilenet_v2() -> Zoo:
    """MobileNetV2 for classification: inverted residuals with depthwise convolutions,
    ReLU6, a dropout and a Linear classifier."""
    from transformers import MobileNetV2Config, MobileNetV2ForImageClassification

    torch.manual_seed(0)
    config = MobileNetV2Config(
        image_size=IMAGE, depth_multiplier=0.25, finegrained_output=False, num_labels=10
    )
    model = MobileNetV2ForImageClassification(config).eval()
    return Zoo(model, kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def segformer() -> Zoo:
    """SegFormer for segmentation: efficient attention with spatially reduced keys (a
    strided Conv2d), Mix-FFN with a depthwise conv, and an all-MLP decode head whose
    Linears run over flattened feature maps."""
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    torch.manual_seed(0)
    config = SegformerConfig(
        num_encoder_blocks=2,
        depths=[1, 1],
        sr_ratios=[2, 1],
        hidden_sizes=[16, 32],
        patch_sizes=[7, 3],
        strides=[4, 2],
        num_attention_heads=[1, 2],
        mlp_ratios=[2, 2],
        decoder_hidden_size=32,
        num_labels=5,
    )
    model = SegformerForSemanticSegmentation(config).eval()
    return Zoo(model, kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def dinov2() -> Zoo:
    """DINOv2: ViT with layer scale, a mask token and interpolated position embeddings."""
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    config = Dinov2Config(
        image_size=IMAGE,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        mlp_ratio=2,
    )
    return Zoo(Dinov2Model(config).eval(), kwargs={"pixel_values": _images()})


@_register(hugging_face=True)
def beit() -> Zoo:
    """BEiT: ViT with a relative position bias per layer, layer scale, q and v biases but
    no k bias, mean pooling."""
    from transformers import BeitConfig, BeitModel

    torch.manual_seed(0)
    config = BeitConfig(
        image_size=IMAGE,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        use_relative_position_bias=True,
    )
    return Zoo(BeitModel(config).eval(), kwargs={"pixel_values": _images()})


# --- transformers: audio and state space ---------------------------------------------------


@_register(hugging_face=True)
def whisper() -> Zoo:
    """Whisper encoder-decoder: two Conv1d over log-mel frames, sinusoidal encoder
    positions, a decoder with cross-attention; k_proj without bias."""
    from transformers import WhisperConfig, WhisperModel

    torch.manual_seed(0)
    config = WhisperConfig(
        vocab_size=VOCAB,
        num_mel_bins=16,
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_source_positions=16,
        max_target_positions=16,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=1,
    )
    features = torch.randn(BATCH, config.num_mel_bins, 2 * config.max_source_positions)
    model = WhisperModel(config).eval()
    return Zoo(model, kwargs={"input_features": features, "decoder_input_ids": _tokens(length=4)})


@_register(hugging_face=True)
def wav2vec2() -> Zoo:
    """Wav2Vec2: a convolutional feature encoder over the raw waveform, a feature
    projection Linear, a weight-normed positional convolution, a transformer encoder."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    torch.manual_seed(0)
    config = Wav2Vec2Config(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        conv_dim=(16, 16),
        conv_stride=(5, 2),
        conv_kernel=(10, 3),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=4,
    )
    return Zoo(Wav2Vec2Model(config).eval(), kwargs={"input_values": torch.randn(BATCH, 400)})


@_register(hugging_face=True)
def mamba() -> Zoo:
    """Mamba (MambaModel, its pure-PyTorch path): in_proj, a causal depthwise Conv1d, the
    selective scan whose x_proj and dt_proj are applied functionally, out_proj."""
    from transformers import MambaConfig, MambaModel

    torch.manual_seed(0)
    config = MambaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        state_size=8,
        num_hidden_layers=2,
        expand=2,
        conv_kernel=4,
        use_mambapy=False,
    )
    return Zoo(MambaModel(config).eval(), kwargs={"input_ids": _tokens()})


@_register(hugging_face=True)
def mamba2() -> Zoo:
    """Mamba-2 (Mamba2Model, its pure-PyTorch chunked scan): one in_proj for z, x, B, C
    and dt, multi-head state space with grouped B and C, a gated RMSNorm, out_proj."""
    from transformers import Mamba2Config, Mamba2Model

    torch.manual_seed(0)
    config = Mamba2Config(
        vocab_size=VOCAB,
        hidden_size=32,
        state_size=8,
        num_hidden_layers=2,
        expand=2,
        num_heads=4,
        head_dim=16,
        n_groups=1,
        conv_kernel=4,
        chunk_size=8,
    )
    return Zoo(Mamba2Model(config).eval(), kwargs={"input_ids": _tokens()})


# --- peft ---------------------------------------------------------------------------------


def _lora(model: nn.Module, targets: list[str], task_type: str | None = None) -> nn.Module:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets, task_type=task_type
    )
    # peft 0.21 reads transformers 5's deprecated is_gradient_checkpointing.
    with _quiet(FutureWarning, "`is_gradient_checkpointing` is deprecated"):
        peft_model: nn.Module = get_peft_model(model, config)
    return peft_model.eval()


@_register(hugging_face=True)
def lora_bert() -> Zoo:
    """peft LoRA (rank 4) on BERT's query and value Linears: each wrapped with an A
    (kaiming) and a B (zeros, so the model starts as the base); the base frozen."""
    base = bert()
    return Zoo(_lora(base.model, ["query", "value"]), base.args, base.kwargs)


@_register(hugging_face=True)
def lora_llama() -> Zoo:
    """peft LoRA (rank 4) for causal LM on every attention projection of Llama."""
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(_llama_config())
    targets = ["q_proj", "k_proj", "v_proj", "o_proj"]
    return Zoo(_lora(model, targets, task_type="CAUSAL_LM"), kwargs={"input_ids": _tokens()})


# --- plain torch idioms -------------------------------------------------------------------


class _ConvBN(nn.Sequential):
    def __init__(self, channels_in: int, channels_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.Conv2d(channels_in, channels_out, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(channels_out),
            nn.ReLU(inplace=True),
        )


class _InceptionBlock(nn.Module):
    """Four branches side by side, concatenated on the channels."""

    def __init__(self, channels_in: int, width: int):
        super().__init__()
        self.one = _ConvBN(channels_in, width, 1)
        self.three = nn.Sequential(_ConvBN(channels_in, width, 1), _ConvBN(width, width, 3))
        self.five = nn.Sequential(
            _ConvBN(channels_in, width // 2, 1), _ConvBN(width // 2, width, 5)
        )
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), _ConvBN(channels_in, width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.one(x), self.three(x), self.five(x), self.pool(x)], dim=1)


class _AuxHead(nn.Module):
    """GoogLeNet's auxiliary classifier: pool, 1x1 conv, two Linears."""

    def __init__(self, channels_in: int, classes: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.conv = _ConvBN(channels_in, 16, 1)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, classes)
        self.dropout = nn.Dropout(0.7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(self.conv(self.pool(x)), 1)
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


class InceptionNet(nn.Module):
    """GoogLeNet-style: inception blocks, an auxiliary classifier that runs only in
    training (``if self.training``), weights from trunc_normal_(std=0.01) as torchvision's
    GoogLeNet draws them."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = _ConvBN(3, 16, 3, stride=2)
        self.block1 = _InceptionBlock(16, 8)
        self.block2 = _InceptionBlock(32, 16)
        self.aux = _AuxHead(32, classes)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(64, classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                nn.init.trunc_normal_(module.weight, mean=0.0, std=0.01, a=-2, b=2)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        x = self.block1(self.stem(x))
        aux = self.aux(x) if self.training else None
        x = self.block2(x)
        logits = self.fc(self.dropout(torch.flatten(self.pool(x), 1)))
        return (logits, aux) if aux is not None else logits


@_register()
def inception_aux() -> Zoo:
    """GoogLeNet/Inception-v3 pattern: the auxiliary classifier runs only when
    ``self.training``; an eval pass never reaches its Linears, by design."""
    torch.manual_seed(0)
    return Zoo(InceptionNet().eval(), (_images(),))


class _ChannelsLastBlock(nn.Module):
    """ConvNeXt's block as its authors wrote it: a depthwise conv, then permute to
    (N, H, W, C), LayerNorm and two Linears over the channels, layer scale, permute back."""

    def __init__(self, dim: int):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


class ChannelsLastConvNeXt(nn.Module):
    """Two stages of channels-last blocks, trunc_normal_(std=0.02) weights and zero biases
    as ConvNeXt's _init_weights does. The second stage has as many channels as it has
    rows and columns (8 at 8x8), as a small model on 32-pixel images may."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 4, stride=4)
        self.stage1 = _ChannelsLastBlock(16)
        self.down = nn.Conv2d(16, 8, 1)
        self.stage2 = _ChannelsLastBlock(8)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage2(self.down(self.stage1(self.stem(x))))
        return self.head(self.norm(x.mean(dim=(-2, -1))))


@_register()
def convnext_block() -> Zoo:
    """The channels-last ConvNeXt block: Linear over channels after permute(0, 2, 3, 1),
    where the Linear's 4-D input is a rearranged conv output, not a forgotten flatten."""
    torch.manual_seed(0)
    return Zoo(ChannelsLastConvNeXt().eval(), (_images(),))


class _MixerBlock(nn.Module):
    def __init__(self, tokens: int, channels: int, token_hidden: int, channel_hidden: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(channels)
        self.token_mixing = nn.Sequential(
            nn.Linear(tokens, token_hidden), nn.GELU(), nn.Linear(token_hidden, tokens)
        )
        self.norm2 = nn.LayerNorm(channels)
        self.channel_mixing = nn.Sequential(
            nn.Linear(channels, channel_hidden), nn.GELU(), nn.Linear(channel_hidden, channels)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, tokens, channels)
        x = x + self.token_mixing(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mixing(self.norm2(x))


class MlpMixer(nn.Module):
    """MLP-Mixer: patches by a strided conv, token-mixing MLPs over the transposed patch
    axis, channel-mixing MLPs, xavier_uniform_ weights, and the zero-initialised head of
    the reference implementation."""

    def __init__(self, classes: int = 10, patch: int = 8, channels: int = 32):
        super().__init__()
        tokens = (IMAGE // patch) ** 2
        self.stem = nn.Conv2d(3, channels, patch, stride=patch)
        self.blocks = nn.Sequential(*(_MixerBlock(tokens, channels, 16, 64) for _ in range(2)))
        self.norm = nn.LayerNorm(channels)
        self.head = nn.Linear(channels, classes)
        for module in self.blocks.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.blocks(x)).mean(dim=1))


@_register()
def mlp_mixer() -> Zoo:
    """MLP-Mixer: a Linear over the patch axis (input transposed to (B, C, N)) beside
    Linears over the channels; 16 tokens of 32 channels."""
    torch.manual_seed(0)
    return Zoo(MlpMixer().eval(), (_images(),))


class ZeroHeadNet(nn.Module):
    """A small convolutional classifier whose final Linear starts at zero, weight and bias
    (ViT's and MLP-Mixer's heads, fine-tuning heads): every logit starts at 0."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            _ConvBN(3, 16, 3, stride=2), _ConvBN(16, 32, 3, stride=2), nn.AdaptiveAvgPool2d(1)
        )
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(32, 64)
        self.head = nn.Linear(64, classes)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.hidden(self.flatten(self.features(x)))))


@_register()
def zero_head() -> Zoo:
    """A zero-initialised classification head (nn.init.zeros_ on weight and bias)."""
    torch.manual_seed(0)
    return Zoo(ZeroHeadNet().eval(), (_images(),))


class _ZeroResidualBlock(nn.Module):
    """Pre-norm MLP block whose last projection starts at zero: the block starts as the
    identity (Fixup, ReZero, DiT's adaLN-Zero, zero_init_residual in torchvision)."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, hidden)
        self.proj = nn.Linear(hidden, dim)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.proj(F.gelu(self.fc(self.norm(x))))


class ZeroResidualMlp(nn.Module):
    def __init__(self, features: int = 20, dim: int = 32, classes: int = 5):
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.blocks = nn.Sequential(_ZeroResidualBlock(dim, 64), _ZeroResidualBlock(dim, 64))
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.embed(x)))


@_register()
def zero_residual() -> Zoo:
    """Zero-init residual branches: each block's last Linear is zeros, added to x."""
    torch.manual_seed(0)
    return Zoo(ZeroResidualMlp().eval(), (torch.randn(BATCH, 20),))


class PackedLstmClassifier(nn.Module):
    """Variable-length sequences: embed, pack_padded_sequence with the true lengths, a
    bidirectional LSTM, unpack, and Linears on the per-token and final states."""

    def __init__(self, vocab: int = VOCAB, dim: int = 16, hidden: int = 24, classes: int = 4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.tagger = nn.Linear(2 * hidden, classes)
        self.classifier = nn.Linear(2 * hidden, classes)

    def forward(
        self, tokens: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        packed = pack_padded_sequence(
            self.embed(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, (h_n, _) = self.lstm(packed)
        per_token, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        final = torch.cat([h_n[-2], h_n[-1]], dim=1)
        return self.tagger(per_token), self.classifier(final)


@_register()
def lstm_packed() -> Zoo:
    """An LSTM over pack_padded_sequence input (lengths 8 and 5, unsorted allowed)."""
    torch.manual_seed(0)
    tokens = _tokens()
    tokens[1, 5:] = 0
    return Zoo(PackedLstmClassifier().eval(), (tokens, torch.tensor([TOKENS, 5])))


class _BagOfWords(nn.Module):
    def __init__(self, vocab: int = VOCAB, dim: int = 32, classes: int = 4):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(self.norm(self.embed(tokens)))))


@_register()
def quantized_dynamic() -> Zoo:
    """torch.ao.quantization.quantize_dynamic: every Linear replaced by a dynamically
    quantized one (int8 weights packed outside any Parameter); the EmbeddingBag and
    LayerNorm stay float. (torch 2.13 deprecates both torch.ao.quantization, a
    DeprecationWarning, and quantized tensors, a UserWarning: both silenced while it
    quantizes.)"""
    torch.manual_seed(0)
    float_model = _BagOfWords().eval()
    with (
        _quiet(DeprecationWarning, "torch.ao.quantization is deprecated"),
        _quiet(UserWarning, QUANTIZED_TENSORS_DEPRECATED),
    ):
        model = torch.ao.quantization.quantize_dynamic(float_model, {nn.Linear}, torch.qint8)
    return Zoo(model, (_tokens(),))


@_register()
def torch_transformer_encoder() -> Zoo:
    """torch's nn.TransformerEncoder (batch first, eval: its fast path and nested tensors
    for the padded batch), called with src_key_padding_mask."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2).eval()
    padding = _padding_mask() == 0
    return Zoo(model, (torch.randn(BATCH, TOKENS, 32),), {"src_key_padding_mask": padding})


@_register()
def torch_transformer() -> Zoo:
    """torch's nn.Transformer, encoder and decoder (xavier_uniform_ weights, packed
    in_proj q/k/v), with a causal tgt_mask."""
    torch.manual_seed(0)
    model = nn.Transformer(
        d_model=32,
        nhead=4,
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=64,
        batch_first=True,
    ).eval()
    target = torch.randn(BATCH, 4, 32)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    return Zoo(model, (torch.randn(BATCH, TOKENS, 32), target), {"tgt_mask": mask})


def expected_linear_map_params(model: nn.Module) -> int | None:
    """The values of a dynamically quantized model's Linears (packed, no Parameters):
    weight and bias of each, as its weight() and bias() unpack them; None for a model
    without quantized Linears."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    quantized = [m for m in model.modules() if isinstance(m, DynamicLinear)]
    if not quantized:
        return None
    total = 0
    with _quiet(UserWarning, QUANTIZED_TENSORS_DEPRECATED):
        for module in quantized:
            bias = module.bias()
            total += module.weight().numel() + (0 if bias is None else bias.numel())
    return total
