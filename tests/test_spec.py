from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from linearcli.errors import SpecError
from linearcli.spec import (
    InitScheme,
    InputSpec,
    LayerInit,
    LayerSpec,
    PythonSpec,
    YamlSpec,
    load_spec,
)

Write = Callable[[str, str], Path]


def test_mlp_spec_reads_every_layer_with_its_line(write: Write) -> None:
    path = write(
        "mlp.yaml",
        """
        input: {shape: [784], batch_size: 3}
        model:
          hidden: {Linear: [784, 256]}
          act: Sigmoid
          output: {Linear: {in_features: 256, out_features: 10}}
          probs: {Softmax: 1}
        """,
    )
    spec = load_spec(str(path))
    assert spec == YamlSpec(
        path=str(path),
        layers=(
            LayerSpec(name="hidden", type_name="Linear", line=3, args=(784, 256)),
            LayerSpec(name="act", type_name="Sigmoid", line=4),
            LayerSpec(
                name="output",
                type_name="Linear",
                line=5,
                kwargs={"in_features": 256, "out_features": 10},
            ),
            LayerSpec(name="probs", type_name="Softmax", line=6, args=(1,)),
        ),
        input=InputSpec(shape=(784,), batch_size=3, line=1),
    )


def test_list_model_names_layers_by_position(write: Write) -> None:
    path = write("seq.yaml", "model:\n  - {Linear: [4, 8]}\n  - ReLU\n  - {Linear: [8, 2]}\n")
    spec = load_spec(str(path))
    assert isinstance(spec, YamlSpec)
    assert [(layer.name, layer.type_name, layer.line) for layer in spec.layers] == [
        ("0", "Linear", 2),
        ("1", "ReLU", 3),
        ("2", "Linear", 4),
    ]
    assert spec.input is None


def test_sequential_nests_with_mapping_and_list(write: Write) -> None:
    path = write(
        "nested.yaml",
        """
        model:
          block:
            Sequential:
              fc: {Linear: [4, 4]}
              inner:
                Sequential:
                  - Tanh
                  - {Linear: [4, 2]}
        """,
    )
    spec = load_spec(str(path))
    assert isinstance(spec, YamlSpec)
    (block,) = spec.layers
    assert (block.name, block.type_name, block.line) == ("block", "Sequential", 2)
    fc, inner = block.children
    assert (fc.name, fc.line, fc.args) == ("fc", 4, (4, 4))
    assert [(c.name, c.type_name, c.line) for c in inner.children] == [
        ("0", "Tanh", 7),
        ("1", "Linear", 8),
    ]


def test_null_arguments_mean_no_arguments(write: Write) -> None:
    path = write("null.yaml", "model:\n  act: {ReLU: null}\n  drop: {Dropout: }\n")
    spec = load_spec(str(path))
    assert isinstance(spec, YamlSpec)
    assert [(layer.args, dict(layer.kwargs)) for layer in spec.layers] == [((), {}), ((), {})]


def test_integer_input_keeps_dtype_and_high(write: Write) -> None:
    path = write(
        "ids.yaml",
        "input: {shape: 16, dtype: int64, high: 1000}\nmodel: [{Embedding: [1000, 8]}]\n",
    )
    spec = load_spec(str(path))
    assert isinstance(spec, YamlSpec)
    assert spec.input == InputSpec(shape=(16,), batch_size=None, dtype="int64", high=1000, line=1)


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        pytest.param("", None, ["the file is empty"], id="empty"),
        pytest.param("- 1\n- 2\n", 1, ["a spec is a mapping"], id="not-a-mapping"),
        pytest.param("input: {shape: [3]}\n", 1, ["no `model:` key"], id="no-model"),
        pytest.param(
            "model: [ReLU]\nlayers: []\n",
            2,
            ["unknown key 'layers' in the spec; expected `model`, `input`"],
            id="unknown-top-key",
        ),
        pytest.param("model:\n  fc: {Linear: [1, 2]\n", 3, ["invalid YAML"], id="yaml-syntax"),
        pytest.param("model: {}\n", 1, ["model has no layers"], id="no-layers"),
        pytest.param("model: 3\n", 1, ["model must be a mapping"], id="model-scalar"),
        pytest.param(
            "model:\n  fc: {Linear: [1, 2]}\n  fc: ReLU\n",
            3,
            ["duplicate key 'fc'", "first on line 2"],
            id="duplicate",
        ),
        pytest.param(
            "model:\n  fc: {Linear: [1, 2], bias: false}\n",
            2,
            ["layer 'fc' has 2 type keys", "Linear", "bias", "optionally `init:`"],
            id="two-keys",
        ),
        pytest.param(
            "model:\n  fc: [1, 2]\n", 2, ["layer 'fc' must be a type name"], id="layer-list"
        ),
        pytest.param(
            "model:\n  a.b: ReLU\n",
            2,
            ["'a.b' must be non-empty and contain no '.'"],
            id="dotted-name",
        ),
        pytest.param(
            "model:\n  fc: 'not a type'\n",
            2,
            ["'not a type' is not a layer type name"],
            id="bad-type",
        ),
        pytest.param(
            "model:\n  fc: {Linear: !!python/name:os.system []}\n",
            2,
            ["YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed"],
            id="python-tag-on-list",
        ),
        pytest.param(
            "model:\n  fc: {Linear: [!!python/object/apply:os.system [echo]]}\n",
            2,
            ["YAML tag", "python/object/apply:os.system", "not allowed"],
            id="python-tag-on-argument",
        ),
        pytest.param(
            "model:\n  fc: !custom ReLU\n", 2, ["YAML tag '!custom' is not allowed"], id="local-tag"
        ),
        pytest.param(
            "model:\n  s: {Sequential: []}\n",
            2,
            ["Sequential 's' has no layers"],
            id="empty-sequential",
        ),
        pytest.param(
            "input: [784]\nmodel: [ReLU]\n", 1, ["input must be a mapping"], id="input-list"
        ),
        pytest.param(
            "input: {batch_size: 2}\nmodel: [ReLU]\n",
            1,
            ["input has no `shape`"],
            id="input-no-shape",
        ),
        pytest.param(
            "input: {shape: [0, 3]}\nmodel: [ReLU]\n",
            1,
            ["list of positive integers"],
            id="zero-size",
        ),
        pytest.param(
            "input: {shape: [3], batch: 2}\nmodel: [ReLU]\n",
            1,
            ["unknown key 'batch' in input; expected `shape`, `batch_size`, `dtype`, `high`"],
            id="input-key",
        ),
        pytest.param(
            "input: {shape: [3], batch_size: -1}\nmodel: [ReLU]\n",
            1,
            ["batch_size must be a positive"],
            id="batch",
        ),
        pytest.param(
            "input: {shape: [3], dtype: int8}\nmodel: [ReLU]\n",
            1,
            ["input dtype 'int8' is not one of"],
            id="dtype",
        ),
        pytest.param(
            "input: {shape: [3], dtype: int64}\nmodel: [ReLU]\n",
            1,
            ["needs `high`"],
            id="ids-without-high",
        ),
        pytest.param(
            "input: {shape: [3], high: 5}\nmodel: [ReLU]\n",
            1,
            ["`high` applies only to integer"],
            id="high-float",
        ),
    ],
)
def test_invalid_yaml_specs_name_the_line(
    write: Write, text: str, line: int | None, fragments: list[str]
) -> None:
    path = write("bad.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_spec(str(path))
    assert caught.value.path == str(path)
    assert caught.value.line == line
    for fragment in fragments:
        assert fragment in caught.value.message


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_spec(str(tmp_path / "absent.yaml"))
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(SpecError, match="not a file"):
        load_spec(str(tmp_path / "dir.yaml"))
    (tmp_path / "latin1.yaml").write_bytes(b"model: [\xe9]\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(str(tmp_path / "latin1.yaml"))


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param(
            "pkg.models:Net", PythonSpec("pkg.models:Net", None, "pkg.models", "Net"), id="module"
        ),
        pytest.param(
            "models:build", PythonSpec("models:build", None, "models", "build"), id="top-module"
        ),
    ],
)
def test_importable_references(reference: str, expected: PythonSpec) -> None:
    assert load_spec(reference) == expected


def test_file_references(write: Write) -> None:
    path = str(write("net.py", "x = 1\n"))
    assert load_spec(path) == PythonSpec(path, path, None, None)
    assert load_spec(f"{path}:Net") == PythonSpec(f"{path}:Net", path, None, "Net")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        pytest.param("absent.py", "no such file", id="missing-py"),
        pytest.param("net.py:not-a-name", "is not a Python name", id="bad-name"),
        pytest.param("model.onnx", "not a spec", id="unknown-suffix"),
        pytest.param("model", "not a spec", id="no-suffix"),
    ],
)
def test_bad_references(
    reference: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.py").write_text("x = 1\n")
    with pytest.raises(SpecError, match=message):
        load_spec(reference)


def test_reading_a_spec_does_not_import_torch(write: Write) -> None:
    """Spec errors stay fast: nothing under linearcli.spec imports torch."""
    import subprocess

    path = write("mlp.yaml", "model:\n  fc: {Linear: [3, 4]}\n")
    code = (
        "import sys; from linearcli.spec import load_spec; "
        f"load_spec({str(path)!r}); print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_init_forms(write: Write) -> None:
    path = write(
        "init.yaml",
        """
        model:
          a: {Linear: [4, 4], init: xavier_uniform_}
          b: {Linear: [4, 4], init: xavier_normal}
          c: {Linear: [4, 4], init: {normal_: {std: 0.02}}}
          d:
            Linear: [4, 4]
            init: {weight: {constant_: {val: 0.5}}, bias: zeros}
          e: {Linear: [4, 4], init: {bias: ones_}}
        """,
    )
    spec = load_spec(str(path))
    assert isinstance(spec, YamlSpec)
    a, b, c, d, e = (layer.init for layer in spec.layers)
    assert a == LayerInit(weight=InitScheme("xavier_uniform_", {}, 2))
    assert b == LayerInit(weight=InitScheme("xavier_normal_", {}, 3))
    assert c == LayerInit(weight=InitScheme("normal_", {"std": 0.02}, 4))
    assert d == LayerInit(
        weight=InitScheme("constant_", {"val": 0.5}, 7), bias=InitScheme("zeros_", {}, 7)
    )
    assert e == LayerInit(bias=InitScheme("ones_", {}, 8))
    assert spec.layers[3].args == (4, 4) and spec.layers[3].line == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "model:\n  fc: {Linear: [4, 4], init: xavier_uniformm}\n",
            2,
            "unknown init scheme 'xavier_uniformm' (did you mean 'xavier_uniform_'?)",
            id="typo",
        ),
        pytest.param(
            "model:\n  fc:\n    Linear: [4, 4]\n    init:\n      bias: kaiming_unifrom\n",
            5,
            "unknown init scheme 'kaiming_unifrom' (did you mean 'kaiming_uniform_'?)",
            id="typo-bias",
        ),
        pytest.param(
            "model:\n  fc: {Linear: [4, 4], init: 3}\n", 2, "init scheme 3 is not", id="number"
        ),
        pytest.param(
            "model:\n  fc: {Linear: [4, 4], init: {normal_: 0.02}}\n",
            2,
            "arguments of init scheme 'normal_' must be a mapping",
            id="args-scalar",
        ),
        pytest.param(
            "model:\n  s: {Sequential: [ReLU], init: zeros_}\n",
            2,
            "not on a Sequential",
            id="sequential",
        ),
        pytest.param("model:\n  fc: {init: zeros_}\n", 2, "has 0 type keys", id="init-alone"),
    ],
)
def test_bad_init(write: Write, text: str, line: int, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(str(write("bad.yaml", text)))
    assert caught.value.line == line
    assert message in caught.value.message


def test_the_list_of_torch_nn_layers_is_torchs() -> None:
    import torch
    from torch import nn

    from linearcli.spec.nn_layers import LAYER_NAMES, TORCH_VERSION

    assert torch.__version__.split("+")[0] == TORCH_VERSION
    layers = {
        n
        for n in dir(nn)
        if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)
    }
    assert layers == LAYER_NAMES


def test_an_unknown_layer_type_is_found_without_importing_torch(write: Write) -> None:
    import subprocess

    path = write("typo.yaml", "input: {shape: [4]}\nmodel:\n  fc: {Linaer: [4, 2]}\n")
    code = (
        "import sys\nfrom linearcli.errors import SpecError\nfrom linearcli.spec import load_spec\n"
        f"try:\n    load_spec({str(path)!r})\nexcept SpecError as error:\n    print(error)\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        f"{path}:3: unknown layer type 'Linaer' (did you mean 'Linear'?)",
        "False",
    ]
