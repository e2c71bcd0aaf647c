"""Every spec in specs/ runs, with the numbers a reader can check by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Result

Cli = Callable[..., Result]

pytestmark = pytest.mark.usefixtures("in_repo")


def report(cli: Cli, spec: str, *args: str) -> dict[str, Any]:
    result = cli("inspect", spec, "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = result.json()
    return data


def rows(data: dict[str, Any], *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(layer[f] for f in fields) for layer in data["layers"]]


FIELDS = (
    "name",
    "type",
    "in_features",
    "out_features",
    "params",
    "input_shape",
    "output_shape",
    "status",
)


def test_mlp_yaml(cli: Cli) -> None:
    data = report(cli, "specs/mlp.yaml")
    assert rows(data, *FIELDS) == [
        ("hidden", "Linear", 784, 256, 200_960, [3, 784], [3, 256], "ok"),
        ("output", "Linear", 256, 10, 2_570, [3, 256], [3, 10], "ok"),
    ]
    assert [round(layer["init_bound"], 5) for layer in data["layers"]] == [0.03571, 0.0625]
    assert data["totals"] == {
        "linear_layers": 2,
        "linear_params": 203_530,
        "params": 203_530,
        "trainable_params": 203_530,
        "param_bytes": 814_120,
        "mult_adds": 3 * 784 * 256 + 3 * 256 * 10,
        "linear_maps": 2,
        "linear_map_params": 203_530,
    }


def test_mlp_python_gives_the_same_rows_as_yaml(cli: Cli) -> None:
    as_yaml, as_python = report(cli, "specs/mlp.yaml"), report(cli, "specs/mlp.py")
    strip = [{k: v for k, v in layer.items() if k != "source"} for layer in as_yaml["layers"]]
    assert [
        {k: v for k, v in layer.items() if k != "source"} for layer in as_python["layers"]
    ] == strip
    assert rows(as_python, "source") == [("specs/mlp.py:16",), ("specs/mlp.py:17",)]
    assert as_python["totals"] == as_yaml["totals"]
    assert as_python["output_shape"] == as_yaml["output_shape"] == [3, 10]


def test_cnn_flattens_before_its_classifier(cli: Cli) -> None:
    data = report(cli, "specs/cnn.yaml")
    assert rows(data, *FIELDS) == [
        ("fc1", "Linear", 2048, 128, 262_272, [2, 2048], [2, 128], "ok"),
        ("fc2", "Linear", 128, 10, 1_290, [2, 128], [2, 10], "ok"),
    ]
    assert data["totals"]["params"] == 448 + 4_640 + 262_272 + 1_290
    assert data["diagnostics"] == []


def test_transformer_linears_work_on_the_last_axis(cli: Cli) -> None:
    data = report(cli, "specs/transformer.yaml")
    assert rows(data, "name", "input_shape", "output_shape", "calls", "status", "used_by") == [
        ("mlp.up", [2, 16, 64], [2, 16, 256], 1, "ok", None),
        ("mlp.down", [2, 16, 256], [2, 16, 64], 1, "ok", None),
        # nn.MultiheadAttention's q, k and v, packed in one (3 * 64, 64) weight
        ("encoder.self_attn.in_proj", None, None, 0, "ok", "encoder.self_attn"),
        ("encoder.self_attn.out_proj", None, None, 0, "ok", "encoder.self_attn"),
        ("encoder.linear1", [2, 16, 64], [2, 16, 128], 1, "ok", None),
        ("encoder.linear2", [2, 16, 128], [2, 16, 64], 1, "ok", None),
        ("head", [2, 16, 64], [2, 16, 1000], 1, "ok", None),
    ]
    packed = data["layers"][2]
    assert (packed["kind"], packed["in_features"], packed["out_features"]) == ("packed", 64, 192)
    assert (packed["weight_shape"], packed["bias_shape"], packed["params"]) == (
        [192, 64],
        [192],
        192 * 64 + 192,
    )
    assert data["inputs"] == [[2, 16]]
    assert data["totals"]["params"] == 195_688
    assert (data["totals"]["linear_layers"], data["totals"]["linear_maps"]) == (6, 7)
    assert data["diagnostics"] == []


def test_init_schemes_are_audited(cli: Cli) -> None:
    data = report(cli, "specs/init_schemes.yaml")
    embed, hidden, head = (layer["init"] for layer in data["layers"])
    assert embed["weight"]["scheme"] == "xavier_uniform_"
    assert embed["weight"]["expected_bound"] == pytest.approx((6 / (64 + 128)) ** 0.5)
    assert embed["weight"]["max"] <= embed["weight"]["expected_bound"]
    assert embed["bias"]["scheme"] == "default"
    assert hidden["weight"]["scheme"] == "kaiming_uniform_(nonlinearity='relu')"
    assert hidden["weight"]["expected_std"] == pytest.approx(2**0.5 / 128**0.5)
    assert hidden["weight"]["std"] == pytest.approx(hidden["weight"]["expected_std"], rel=0.05)
    assert (hidden["bias"]["scheme"], hidden["bias"]["min"], hidden["bias"]["max"]) == (
        "zeros_",
        0.0,
        0.0,
    )
    assert (head["weight"]["scheme"], head["weight"]["expected_std"]) == ("normal_(std=0.02)", 0.02)
    assert head["weight"]["std"] == pytest.approx(0.02, rel=0.1)


def test_the_default_init_is_audited_and_meta_shows_expectations_only(cli: Cli) -> None:
    hidden = report(cli, "specs/mlp.yaml")["layers"][0]["init"]["weight"]
    assert (hidden["scheme"], hidden["expected_bound"]) == ("default", pytest.approx(1 / 28))
    assert hidden["std"] == pytest.approx(1 / 28 / 3**0.5, rel=0.01)
    on_meta = report(cli, "specs/mlp.yaml", "--device", "meta")["layers"][0]["init"]["weight"]
    assert (on_meta["scheme"], on_meta["expected_bound"]) == ("default", pytest.approx(1 / 28))
    assert [on_meta[k] for k in ("min", "max", "mean", "std")] == [None] * 4


def test_done_when_constant_init_reports_the_value_and_a_warning(cli: Cli) -> None:
    result = cli("inspect", "specs/broken/constant_init.yaml", "-f", "json")
    assert result.exit_code == 0  # a warning only
    data = result.json()
    weight = data["layers"][0]["init"]["weight"]
    assert (weight["scheme"], weight["min"], weight["max"], weight["std"]) == (
        "constant_(val=0.5)",
        0.5,
        0.5,
        0.0,
    )
    assert [(d["code"], d["layer"]) for d in data["diagnostics"]] == [("symmetric-init", "hidden")]
    assert "is 0.5" in data["diagnostics"][0]["message"]


def test_lazy_head_infers_in_features(cli: Cli) -> None:
    data = report(cli, "specs/lazy_head.yaml")
    assert rows(data, *FIELDS) == [
        ("head", "LazyLinear", 5408, 10, 54_090, [4, 5408], [4, 10], "ok")
    ]
    assert data["layers"][0]["weight_shape"] == [10, 5408]
    assert data["layers"][0]["init_bound"] == pytest.approx(1 / 5408**0.5)


@pytest.mark.parametrize(
    "spec", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs").glob("*.yaml"))
)
def test_rows_add_up_to_the_linear_total(cli: Cli, spec: str) -> None:
    data = report(cli, spec)
    linears = [layer for layer in data["layers"] if layer["kind"] == "Linear"]
    assert sum(layer["params"] for layer in linears) == data["totals"]["linear_params"]
    assert data["totals"]["linear_layers"] == len(linears)
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["linear_map_params"]
    assert data["totals"]["linear_maps"] == len(data["layers"])
    assert all(
        layer["source"] and layer["source"].startswith(f"{spec}:") for layer in data["layers"]
    )


@pytest.mark.parametrize(
    "spec",
    sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "specs").iterdir()
        if p.is_file() and p.name not in ("bert.py", "gpt3.yaml")  # tested on their own
    ),
)
def test_correct_examples_have_no_findings_at_all(cli: Cli, spec: str) -> None:
    data = report(cli, spec, "--strict")  # --strict: not even a warning
    assert data["diagnostics"] == [] and data["ok"] is True
    assert {layer["status"] for layer in data["layers"]} == {"ok"}


def test_every_example_spec_is_tested() -> None:
    tested = {
        "mlp.yaml",
        "mlp.py",
        "cnn.yaml",
        "transformer.yaml",
        "lazy_head.yaml",
        "init_schemes.yaml",
        "gpt3.yaml",
        "bert.py",
        "gpt2.py",
    }
    assert {p.name for p in Path(ROOT / "specs").iterdir() if p.is_file()} == tested


@pytest.mark.slow
def test_bert_base_from_transformers(cli: Cli) -> None:
    pytest.importorskip("transformers")
    data = report(cli, "specs/bert.py")
    assert data["totals"]["linear_layers"] == len(data["layers"]) == 73
    assert data["totals"]["params"] == 109_482_240
    assert data["inputs"] == [[2, 16]] and data["output_shape"] == [2, 16, 768]
    by_name = {layer["name"]: layer for layer in data["layers"]}
    query = by_name["encoder.layer.0.attention.self.query"]
    assert (query["in_features"], query["out_features"], query["params"]) == (768, 768, 590_592)
    assert query["input_shape"] == [2, 16, 768] and query["status"] == "ok"
    assert by_name["encoder.layer.11.intermediate.dense"]["output_shape"] == [2, 16, 3072]
    assert by_name["pooler.dense"]["input_shape"] == [2, 768]
    assert query["source"] is not None and "modeling_bert.py:" in query["source"]
    assert data["diagnostics"] == []


@pytest.mark.slow
@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_gpt2_conv1d_projections_are_linear_maps(cli: Cli, device: str) -> None:
    transformers = pytest.importorskip("transformers")
    data = report(cli, "specs/gpt2.py", "--device", device)
    rows = [
        (layer["name"], layer["kind"], layer["type"], layer["in_features"], layer["out_features"])
        + (layer["stored_shape"], layer["params"], layer["status"])
        for layer in data["layers"]
    ]
    block = [
        ("attn.c_attn", 768, 2304),
        ("attn.c_proj", 768, 768),
        ("mlp.c_fc", 768, 3072),
        ("mlp.c_proj", 3072, 768),
    ]
    assert rows == [
        (f"transformer.h.{i}.{name}", "module", "Conv1D", n_in, n_out, [n_in, n_out])
        + (n_in * n_out + n_out, "ok")
        for i in range(2)
        for name, n_in, n_out in block
    ] + [("lm_head", "Linear", "Linear", 768, 50257, [50257, 768], 768 * 50257, "ok")]
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_layer=2))
    unique = sum(p.numel() for p in model.parameters())  # wte and lm_head share one tensor
    totals = data["totals"]
    assert totals["params"] == unique == 53_561_088
    conv1d = 2 * sum(n_in * n_out + n_out for _, n_in, n_out in block)
    assert (totals["linear_layers"], totals["linear_params"]) == (1, 768 * 50257)
    assert (totals["linear_maps"], totals["linear_map_params"]) == (9, conv1d + 768 * 50257)
    assert data["layers"][-1]["tied_to"] == ["transformer.wte"]
    assert data["diagnostics"] == []  # exit 0 and no finding: report() checks the exit code


D = 12288
BLOCK = (3 * D * D + 3 * D) + (D * D + D) + (4 * D * D + 4 * D) + (4 * D * D + D) + 4 * D
GPT3_PARAMS = 96 * BLOCK + 50257 * D + 2 * D + D * 50257  # blocks, embedding, norm, head
GPT3_LINEAR_PARAMS = 96 * ((D * D + D) + (4 * D * D + 4 * D) + (4 * D * D + D)) + D * 50257


@pytest.mark.slow
@pytest.mark.parametrize("flags", [[], ["--device", "meta"]], ids=["fallback", "meta"])
def test_gpt3_sized_spec_on_a_laptop(cli: Cli, flags: list[str]) -> None:
    result = cli("inspect", "specs/gpt3.yaml", "-f", "json", *flags)
    assert result.exit_code == 0
    data = result.json()
    assert GPT3_PARAMS == 175_196_651_520
    assert data["totals"]["params"] == data["totals"]["trainable_params"] == GPT3_PARAMS
    assert data["totals"]["linear_params"] == GPT3_LINEAR_PARAMS == 131_084_267_520
    assert data["totals"]["linear_layers"] == 96 * 3 + 1
    assert data["totals"]["param_bytes"] == 4 * GPT3_PARAMS
    assert (data["device"], data["output_shape"]) == ("meta", [2, 16, 50257])
    assert {layer["status"] for layer in data["layers"]} == {"ok"}
    codes = [d["code"] for d in data["diagnostics"]]
    assert codes == ([] if flags else ["meta-fallback"])
    if not flags:
        assert (
            "specs/gpt3.yaml: note: the model and its sample batch need 652.7 GiB" in result.stderr
        )
