"""Issue 15: no false findings on real architectures.

Every model of tests/zoo_models.py (transformers, peft and plain-torch idioms, random
weights, nothing downloaded) is inspected as its forward takes its inputs, positionally
and by keyword, and must come out with the right parameter count and not one warning or
error; as a Python spec it must give the same rows on the CPU, on the meta device and on
``auto``. Idioms that look wrong and are not (a train-only auxiliary head, zero-initialised
heads and residual branches, LoRA's B matrices, normal(0, 0.02) weights) get an assertion
of their own.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from linearcli import Diagnostic, Report, inspect_model
from linearcli.errors import BuildError
from linearcli.options import RunOptions
from linearcli.pipeline import inspect_spec

from .conftest import ROOT
from .zoo_models import FORWARD_WARNINGS, HUGGING_FACE, MODELS, Zoo, expected_linear_map_params

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
NAMES = list(MODELS)
DEVICES = ["cpu", "meta", "auto"]
Row = tuple[str, str, int, int, tuple[int, ...], int]
# Models whose forward needs real values somewhere, so that a pass on the meta device
# stops there: linearcli says where and what it could not check (meta-unchecked, an
# info), and reports what the pass did establish.
NEEDS_VALUES = {
    "bert": "padding_mask.all() in transformers' mask code calls .item()",
    "roberta": "padding_mask.all() in transformers' mask code calls .item()",
    "distilbert": "padding_mask.all() in transformers' mask code calls .item()",
    "lora_bert": "padding_mask.all() in transformers' mask code calls .item()",
    "perceiver": "padding_mask.all() in transformers' mask code calls .item()",
    "bart": "the causal mask check calls .item()",
    "opt": "the causal mask check calls .item()",
    "qwen2_moe": "torch._grouped_mm's meta kernel takes only bfloat16",
    "mixtral": "torch._grouped_mm's meta kernel takes only bfloat16",
    "lstm_packed": "pack_padded_sequence copies the lengths to the CPU",
    "torch_transformer_encoder": "the nested-tensor fast path has no meta kernel",
    "torch_transformer": "nn.Transformer's causal-mask check calls .item()",
}
# quantize_dynamic reads each weight's min and max with .item() as it builds the model:
# it cannot be made on the meta device at all.
CANNOT_BE_MADE_ON_META = {"quantized_dynamic"}


SPEC = """\
import sys

TESTS = {tests!r}
sys.path.insert(0, TESTS)
try:
    from zoo_models import MODELS
finally:
    sys.path.remove(TESTS)


def build_model():
    return MODELS[{name!r}]().model


def example_input():
    return MODELS[{name!r}]().example_input()
"""


@contextmanager
def forward_warnings(name: str) -> Iterator[None]:
    """Ignore the one warning this model's own forward emits, if any (zoo_models says which)."""
    with warnings.catch_warnings():
        if name in FORWARD_WARNINGS:
            category, message = FORWARD_WARNINGS[name]
            warnings.filterwarnings("ignore", message=message, category=category)
        yield


@functools.cache
def built(name: str) -> Zoo:
    return MODELS[name]()


@functools.cache
def cpu_report(name: str) -> Report:
    zoo = built(name)
    with forward_warnings(name):
        return inspect_model(zoo.model, *zoo.args, **zoo.kwargs)


def write_spec(directory: Path, name: str) -> Path:
    """A Python spec whose build_model() and example_input() are the zoo's builder's."""
    path = directory / f"zoo_{name}.py"
    path.write_text(SPEC.format(tests=str(TESTS), name=name), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of specs for the module: each device's test reads the same file."""
    return tmp_path_factory.mktemp("zoo_specs")


@functools.cache
def spec_report(directory: Path, name: str, device: str) -> Report:
    path = write_spec(directory, name)
    with forward_warnings(name):
        return inspect_spec(str(path), RunOptions(device=device))


def rows(report: Report) -> list[Row]:
    return [
        (layer.name, layer.kind, layer.in_features, layer.out_features)
        + (layer.weight_shape, layer.params)
        for layer in report.layers
    ]


def ran(report: Report) -> dict[str, tuple[object, ...]]:
    """Each layer that ran: its calls and the shapes its first call saw."""
    return {
        layer.name: (layer.calls, layer.input_shape, layer.output_shape)
        for layer in report.layers
        if layer.calls
    }


def serious(report: Report) -> list[Diagnostic]:
    return [d for d in report.diagnostics if d.severity in ("error", "warning")]


def listed(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(f"  {d.severity}[{d.code}] {d.layer}: {d.message}" for d in diagnostics)


def parameters(zoo: Zoo) -> int:
    """What torch counts: each Parameter once, shared ones too. A dynamically quantized
    Linear keeps its weight packed outside any Parameter, so torch counts none of it (see
    test_quantized_linear_values_are_counted_as_maps for where its values are counted)."""
    return sum(p.numel() for p in zoo.model.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_inspect_model_on_cpu(name: str) -> None:
    report = cpu_report(name)
    assert report.totals.params == parameters(built(name))
    found = serious(report)
    assert not found, f"{name}: findings on a model that works:\n{listed(found)}"
    assert not report.failed(strict=True)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_spec_on_every_device(spec_dir: Path, name: str, device: str) -> None:
    if device == "meta" and name in CANNOT_BE_MADE_ON_META:
        with pytest.raises(BuildError, match="needs real values .* inspect it with --device cpu"):
            spec_report(spec_dir, name, device)
        return
    report = spec_report(spec_dir, name, device)
    found = serious(report)
    assert not found, f"{name} on {device}: findings on a model that works:\n{listed(found)}"
    if device == "cpu":
        direct = cpu_report(name)
        assert rows(report) == rows(direct)
        assert report.totals.params == direct.totals.params == parameters(built(name))
        return
    cpu = spec_report(spec_dir, name, "cpu")
    assert report.totals.params == cpu.totals.params
    if device == "meta" and name in NEEDS_VALUES:
        # What the meta pass established holds, and it says where it stopped: every
        # Linear and every row it saw is the CPU's; maps found only by running (packed
        # attention, expert banks) may be missing after the stop.
        stops = [d for d in report.diagnostics if d.code == "meta-unchecked"]
        assert [d.severity for d in stops] == ["info"], NEEDS_VALUES[name]
        assert set(rows(report)) <= set(rows(cpu))
        assert {r for r in rows(cpu) if r[1] == "Linear"} <= set(rows(report))
        assert ran(report).items() <= ran(cpu).items()  # what ran saw the CPU's shapes
        return
    assert rows(report) == rows(cpu)
    assert ran(report) == ran(cpu)
    assert report.totals.linear_maps == cpu.totals.linear_maps
    if device == "meta":
        fell_back = [
            d for d in report.diagnostics if d.code == "meta-fallback" and d.severity == "info"
        ]
        assert report.device == "meta" or fell_back, (
            f"{name}: asked for meta, ran on {report.device} without a meta-fallback note"
        )


@pytest.mark.parametrize(
    "name",
    [
        "mlp_mixer",
        "gpt2",
        "bert",  # stops in its mask code on meta: an info, exit 0
    ],
)
def test_the_cli_inspects_a_zoo_spec_on_meta(name: str, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, name)
    result = subprocess.run(
        [sys.executable, "-m", "linearcli", "inspect", str(spec), "--device", "meta"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_train_only_auxiliary_classifier_is_not_dead_code() -> None:
    report = cpu_report("inception_aux")
    aux = ["aux.fc1", "aux.fc2"]
    for layer in report.layers:
        findings = [d for d in report.diagnostics if d.layer == layer.name]
        if layer.name in aux:
            assert layer.calls == 0
            assert layer.status != "warning", listed(findings)
            assert not [d for d in findings if d.code == "not-called"], listed(findings)
            assert [(d.severity, d.code) for d in findings] == [("info", "train-only")]
        else:
            assert (layer.calls, layer.status, findings) == (1, "ok", [])
    # In a train-mode pass the auxiliary head runs like every other layer.
    zoo = built("inception_aux")
    trained = inspect_model(zoo.model, *zoo.args, mode="train")
    assert [layer.calls for layer in trained.layers] == [1, 1, 1]
    assert not trained.diagnostics, listed(list(trained.diagnostics))


@pytest.mark.parametrize(
    "name", ["zero_head", "zero_residual", "mlp_mixer", "lora_bert", "lora_llama"]
)
def test_a_zero_init_by_design_is_not_symmetric_init(name: str) -> None:
    report = cpu_report(name)
    symmetric = [d for d in report.diagnostics if d.code == "symmetric-init"]
    assert not symmetric, listed(symmetric)


@pytest.mark.parametrize(
    ("name", "targets", "count"),
    [
        ("lora_bert", ("query", "value"), 2 * 2),
        ("lora_llama", ("q_proj", "k_proj", "v_proj", "o_proj"), 2 * 4),
    ],
)
def test_lora_layers_carry_their_adapters(name: str, targets: tuple[str, ...], count: int) -> None:
    report = cpu_report(name)
    wrapped = [layer for layer in report.layers if layer.name.endswith(targets)]
    assert len(wrapped) == count
    for layer in wrapped:
        assert [(a.rank, a.a_shape, a.b_shape) for a in layer.adapters] == [
            (4, (4, layer.in_features), (layer.out_features, 4))
        ]
    assert not [layer for layer in report.layers if "lora_" in layer.name]


@pytest.mark.parametrize("name", NAMES)
def test_standard_inits_are_no_init_outliers(name: str) -> None:
    """Every zoo model draws its weights from a scheme torch.nn.init has (normal(0, 0.02)
    in transformers, trunc_normal_, xavier_uniform_, kaiming, zeros) or PyTorch's default:
    none of them is an outlier, however small the layers."""
    outliers = [d for d in cpu_report(name).diagnostics if d.code == "init-outlier"]
    kind = "Hugging Face" if name in HUGGING_FACE else "plain torch"
    assert not outliers, f"{name} ({kind}): {len(outliers)} init-outlier\n{listed(outliers)}"


def test_quantized_linear_values_are_counted_as_maps() -> None:
    """torch counts no parameter of a dynamically quantized Linear: its int8 weight and
    float bias are packed. totals.params is torch's count (the EmbeddingBag and the
    LayerNorm); linear_map_params counts the packed values, unpacked."""
    zoo = built("quantized_dynamic")
    report = cpu_report("quantized_dynamic")
    assert report.totals.params == parameters(zoo) == 100 * 32 + 2 * 32
    assert report.totals.linear_map_params == expected_linear_map_params(zoo.model)
    assert report.totals.linear_map_params == (32 * 64 + 64) + (64 * 4 + 4)
    assert [(layer.name, layer.kind, layer.calls) for layer in report.layers] == [
        ("fc1", "quantized", 1),
        ("fc2", "quantized", 1),
    ]


def test_albert_shares_one_layer_across_the_encoder() -> None:
    """ALBERT's three layers are one layer's weights: each Linear runs three times."""
    report = cpu_report("albert")
    shared = [layer for layer in report.layers if ".albert_layer_groups.0." in layer.name]
    assert len(shared) == 6 and all(layer.calls == 3 for layer in shared)
