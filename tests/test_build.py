from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from linearcli.build import build, resolve_device, resolve_layer_type
from linearcli.errors import BuildError, LinearcliError, SpecError
from linearcli.options import RunOptions
from linearcli.pipeline import inspect_model
from linearcli.pymodel import load_python_model
from linearcli.spec import PythonSpec, load_spec

from .conftest import Result

Write = Callable[[str, str], Path]
Cli = Callable[..., Result]

MLP_YAML = """
input: {shape: [784], batch_size: 3}
model:
  hidden: {Linear: [784, 256]}
  act: Sigmoid
  output: {Linear: {in_features: 256, out_features: 10}}
"""


def built(
    path: Path | str, **options: object
) -> tuple[nn.Module, tuple[torch.Tensor, ...], dict[str, str]]:
    result = build(load_spec(str(path)), RunOptions(**options))  # type: ignore[arg-type]
    return result.model, result.inputs, dict(result.sources)


def test_yaml_model_is_a_sequential_of_the_named_layers(write: Write) -> None:
    path = write("mlp.yaml", MLP_YAML)
    model, inputs, sources = built(path)
    assert [name for name, _ in model.named_children()] == ["hidden", "act", "output"]
    assert isinstance(model.hidden, nn.Linear) and model.hidden.weight.shape == (256, 784)
    assert isinstance(model.act, nn.Sigmoid)
    assert [tuple(x.shape) for x in inputs] == [(3, 784)]
    assert sources == {"hidden": f"{path}:3", "act": f"{path}:4", "output": f"{path}:5"}


def test_nested_sources_use_dotted_module_names(write: Write) -> None:
    path = write("nested.yaml", "model:\n  block:\n    Sequential:\n      - {Linear: [4, 4]}\n")
    _, _, sources = built(path, input_shapes=((4,),))
    assert sources == {"block": f"{path}:2", "block.0": f"{path}:4"}


def test_same_seed_same_weights_other_seed_other_weights(write: Write) -> None:
    path = write("mlp.yaml", MLP_YAML)
    first, inputs_a, _ = built(path, seed=7)
    again, inputs_b, _ = built(path, seed=7)
    other, _, _ = built(path, seed=8)
    assert torch.equal(first.hidden.weight, again.hidden.weight)
    assert torch.equal(inputs_a[0], inputs_b[0])
    assert not torch.equal(first.hidden.weight, other.hidden.weight)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_dtype_applies_to_parameters_and_float_inputs(write: Write, dtype: str) -> None:
    model, inputs, _ = built(write("mlp.yaml", MLP_YAML), dtype=dtype)
    assert model.hidden.weight.dtype == getattr(torch, dtype)
    assert inputs[0].dtype == getattr(torch, dtype)


def test_spec_float_dtype_is_the_default_and_the_option_wins(write: Write) -> None:
    path = write("f64.yaml", "input: {shape: [4], dtype: float64}\nmodel: [{Linear: [4, 2]}]\n")
    model, inputs, _ = built(path)
    assert model[0].weight.dtype == torch.float64 and inputs[0].dtype == torch.float64
    model, inputs, _ = built(path, dtype="float32")
    assert model[0].weight.dtype == torch.float32 and inputs[0].dtype == torch.float32


def test_integer_inputs_are_ids_below_high(write: Write) -> None:
    path = write(
        "ids.yaml",
        "input: {shape: [50], dtype: int64, high: 7, batch_size: 4}\n"
        "model: [{Embedding: [7, 3]}]\n",
    )
    _, (ids,), _ = built(path)
    assert ids.dtype == torch.int64 and ids.shape == (4, 50)
    assert 0 <= int(ids.min()) and int(ids.max()) < 7


def test_input_shape_and_batch_size_options_override_the_spec(write: Write) -> None:
    path = write("mlp.yaml", MLP_YAML)
    _, inputs, _ = built(path, batch_size=5)
    assert [tuple(x.shape) for x in inputs] == [(5, 784)]
    _, inputs, _ = built(path, input_shapes=((784,), (2, 784)))
    assert [tuple(x.shape) for x in inputs] == [(2, 784), (2, 2, 784)]


def test_meta_device_allocates_nothing(write: Write) -> None:
    model, inputs, _ = built(write("mlp.yaml", MLP_YAML), device="meta")
    assert model.hidden.weight.device.type == "meta"
    assert inputs[0].device.type == "meta" and inputs[0].shape == (3, 784)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("cpu", "cpu"), ("meta", "meta"), ("auto", "cuda" if torch.cuda.is_available() else "cpu")],
)
def test_resolve_device(name: str, expected: str) -> None:
    assert resolve_device(name).type == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param(
            "gpu",
            "unknown device 'gpu'; expected cpu, cuda, cuda:N, meta, auto, or another device torch",
            id="unknown",
        ),
        pytest.param("mps", "device 'mps' is not available: torch .* has no mps", id="mps-absent"),
        pytest.param("xla", "unknown device 'xla'|unsupported device 'xla'", id="unsupported"),
        pytest.param("cuda:99", "device 'cuda:99' is not available", id="cuda-99"),
    ],
)
def test_unusable_devices(name: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(
        BuildError, match="device 'cuda' is not available: torch .* sees no CUDA device"
    ):
        resolve_device("cuda")


@pytest.mark.parametrize(
    ("type_name", "expected"),
    [("Linear", nn.Linear), ("nn.Linear", nn.Linear), ("torch.nn.LazyLinear", nn.LazyLinear)],
)
def test_layer_types_resolve_in_torch_nn(type_name: str, expected: type) -> None:
    assert resolve_layer_type(type_name, "x.yaml", 1) is expected


@pytest.mark.parametrize(
    ("type_name", "message"),
    [
        pytest.param(
            "Linaer", r"unknown layer type 'Linaer' \(did you mean 'Linear'\?\)", id="typo"
        ),
        pytest.param("Parameter", "not a layer type 'Parameter'", id="not-a-module"),
        pytest.param("functional", "not a layer type 'functional'", id="submodule"),
        pytest.param("mypkg.Block", "layer type 'mypkg.Block' is not in torch.nn", id="dotted"),
        pytest.param("Zzzzzz", "unknown layer type 'Zzzzzz'$", id="no-suggestion"),
    ],
)
def test_unknown_layer_types(type_name: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        resolve_layer_type(type_name, "x.yaml", 12)
    assert caught.value.location == "x.yaml:12"


def test_constructor_errors_name_layer_line_and_torch_message(write: Write) -> None:
    path = write("bad.yaml", "input: {shape: [4]}\nmodel:\n  ok: ReLU\n  fc: {Linear: [4, -2]}\n")
    with pytest.raises(BuildError) as caught:
        built(path)
    assert caught.value.location == f"{path}:4"
    assert "layer 'fc': Linear(4, -2) failed: RuntimeError:" in caught.value.message
    assert "negative dimension -2" in caught.value.message


def test_unknown_keyword_is_a_constructor_error(write: Write) -> None:
    path = write(
        "bad.yaml", "input: {shape: [4]}\nmodel:\n  fc: {Linear: {in_features: 4, out: 2}}\n"
    )
    with pytest.raises(
        BuildError, match=r"Linear\(in_features=4, out='?2'?\)|unexpected keyword argument 'out'"
    ):
        built(path)


def test_yaml_without_sample_batch(write: Write) -> None:
    path = write("noinput.yaml", "model: [{Linear: [4, 2]}]\n")
    with pytest.raises(SpecError, match="no sample batch: add `input:"):
        built(path)
    model, inputs, _ = built(path, input_shapes=((4,),))
    assert inputs[0].shape == (2, 4)


def test_model_args_are_for_python_specs(write: Write) -> None:
    with pytest.raises(SpecError, match="--arg applies to Python specs only"):
        built(write("mlp.yaml", MLP_YAML), model_args={"hidden": 3})


# Python specs ---------------------------------------------------------------------------

NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, hidden=8):
        super().__init__()
        self.fc1 = nn.Linear(4, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x))
"""


def test_only_subclass_is_found_and_sources_are_construction_lines(write: Write) -> None:
    path = write("net.py", NET + "\nexample_input = torch.randn(3, 4)\n")
    model, inputs, sources = built(path)
    assert type(model).__name__ == "Net"
    assert inputs[0].shape == (3, 4)
    # each module, each parameter (where it was last assigned), and the example input
    assert sources == {
        "fc1": f"{path}:8",
        "fc2": f"{path}:9",
        "fc1.weight": f"{path}:8",
        "fc1.bias": f"{path}:8",
        "fc2.weight": f"{path}:9",
        "fc2.bias": f"{path}:9",
        "(input)": f"{path}:14",
    }


def test_module_level_model_wins_over_factory_and_class(write: Write) -> None:
    text = NET + "\nmodel = Net(hidden=5)\n\ndef build_model():\n    return Net(hidden=6)\n"
    path = write("net.py", text)
    model, _, sources = built(path, input_shapes=((4,),))
    assert model.fc1.out_features == 5
    assert sources["fc1"] == f"{path}:8"  # the line inside Net that made it


def test_factory_wins_over_class_and_takes_args(write: Write) -> None:
    path = write("net.py", NET + "\ndef build_model(hidden=6):\n    return Net(hidden=hidden)\n")
    model, _, _ = built(path, input_shapes=((4,),))
    assert model.fc1.out_features == 6
    model, _, _ = built(path, input_shapes=((4,),), model_args={"hidden": 11})
    assert model.fc1.out_features == 11


def test_named_object_and_class_args(write: Write) -> None:
    path = write("two.py", NET + "\nclass Other(nn.Module):\n    pass\n")
    with pytest.raises(
        SpecError, match=r"2 nn.Module subclasses \(Net, Other\); choose one with .*:NAME"
    ):
        built(path, input_shapes=((4,),))
    model, _, _ = built(f"{path}:Net", input_shapes=((4,),), model_args={"hidden": 3})
    assert model.fc1.out_features == 3


def test_subclass_line_is_where_it_was_constructed(write: Write) -> None:
    text = NET.replace(
        "class Net(nn.Module):",
        "class Wide(nn.Linear):\n"
        "    def __init__(self, n):\n"
        "        super().__init__(n, n)\n\n\n"
        "class Net(nn.Module):",
    ).replace("self.fc2 = nn.Linear(hidden, 2)", "self.fc2 = Wide(hidden)")
    path = write("wide.py", text)
    _, _, sources = built(f"{path}:Net", input_shapes=((4,),))
    assert sources["fc2"] == f"{path}:14"


@pytest.mark.parametrize(
    ("text", "reference_suffix", "error", "message", "line"),
    [
        pytest.param(
            "x = 1\n",
            "",
            SpecError,
            "no model found: define `model = <nn.Module>`",
            None,
            id="no-model",
        ),
        pytest.param(NET, ":Missing", SpecError, "defines no 'Missing'", None, id="missing-name"),
        pytest.param(
            NET + "\nsize = 3\n",
            ":size",
            SpecError,
            "'size' is a int, not an nn.Module",
            None,
            id="not-model",
        ),
        pytest.param(
            NET + "\ndef build_model():\n    return 3\n",
            "",
            SpecError,
            r"build_model\(\) returned a int",
            None,
            id="factory-int",
        ),
        pytest.param("import torch\n\ndef f(:\n", "", SpecError, "syntax error", 3, id="syntax"),
        pytest.param(
            "x = 1\nraise ValueError('boom')\n",
            "",
            BuildError,
            "importing the file raised ValueError: boom",
            2,
            id="raises",
        ),
        pytest.param(
            "import sys\nsys.exit(4)\n",
            "",
            BuildError,
            r"importing the file raised SystemExit: the spec called sys.exit\(4\)",
            2,
            id="exit",
        ),
        pytest.param(
            NET.replace("hidden=8", "hidden"),
            "",
            BuildError,
            r"Net\(\) raised TypeError: .*missing 1 required positional argument: 'hidden' "
            r"\(pass constructor arguments with --arg KEY=VALUE\)",
            None,
            id="missing-arg",
        ),
        pytest.param(
            NET.replace("nn.Linear(4, hidden)", "nn.Linear(4, -hidden)"),
            "",
            BuildError,
            r"Net\(\) raised RuntimeError: Trying to create tensor with negative dimension",
            8,
            id="constructor-raises",
        ),
        pytest.param(
            "model = __import__('torch').nn.Linear(2, 2)\n",
            "",
            SpecError,
            "no sample batch: define `example_input` in the file, or give one sample's shape: "
            r"`linearcli inspect .*spec.py -i 784` or, for `linearcli check`, "
            r'".*spec.py" = \[784\] in \[tool.linearcli.inputs\]',
            None,
            id="no-input",
        ),
        pytest.param(
            "import torch\nmodel = torch.nn.Linear(2, 2)\nexample_input = 3\n",
            "",
            SpecError,
            "example_input must be a tensor",
            None,
            id="bad-example",
        ),
        pytest.param(
            "import torch\nmodel = torch.nn.Linear(2, 2)\nexample_input = {'x': 1}\n",
            "",
            SpecError,
            "example_input must be a tensor, a tuple of tensors, a dict of keyword inputs",
            None,
            id="keywords-without-a-tensor",
        ),
        pytest.param(
            "import torch\nmodel = torch.nn.Linear(2, 2)\n"
            "example_input = {'not a name': torch.ones(2)}\n",
            "",
            SpecError,
            "example_input must be a tensor, a tuple of tensors, a dict of keyword inputs",
            None,
            id="keywords-not-names",
        ),
        pytest.param(
            "import torch\nmodel = torch.nn.Linear(2, 2)\n"
            "def example_input():\n    raise KeyError('x')\n",
            "",
            BuildError,
            "example_input\\(\\) raised KeyError: 'x'",
            4,
            id="example-raises",
        ),
    ],
)
def test_python_spec_errors(
    write: Write,
    text: str,
    reference_suffix: str,
    error: type[LinearcliError],
    message: str,
    line: int | None,
) -> None:
    path = write("spec.py", text)
    with pytest.raises(error, match=message) as caught:
        built(f"{path}{reference_suffix}")
    assert caught.value.path == str(path)
    assert caught.value.line == line


def test_instance_takes_no_args(write: Write) -> None:
    path = write("inst.py", "import torch\nmodel = torch.nn.Linear(2, 2)\n")
    with pytest.raises(SpecError, match="'model' is an instance already; --arg applies to classes"):
        built(path, input_shapes=((2,),), model_args={"n": 1})


@pytest.mark.parametrize(
    ("example", "shapes", "dtypes"),
    [
        pytest.param("torch.randn(5, 2)", [(5, 2)], [torch.float32], id="tensor"),
        pytest.param(
            "(torch.randn(5, 2), torch.ones(5, 2))",
            [(5, 2), (5, 2)],
            [torch.float32] * 2,
            id="tuple",
        ),
        pytest.param(
            "lambda: torch.zeros(1, 2, dtype=torch.float64)",
            [(1, 2)],
            [torch.float32],
            id="callable",
        ),
        pytest.param("torch.arange(6).reshape(3, 2)", [(3, 2)], [torch.int64], id="integer-kept"),
    ],
)
def test_example_input_forms(
    write: Write, example: str, shapes: list[tuple[int, ...]], dtypes: list[torch.dtype]
) -> None:
    path = write(
        "ex.py", f"import torch\nmodel = torch.nn.Linear(2, 2)\nexample_input = {example}\n"
    )
    _, inputs, _ = built(path)
    assert [tuple(x.shape) for x in inputs] == shapes
    assert [x.dtype for x in inputs] == dtypes


def test_batch_size_needs_input_shape_with_example_input(write: Write) -> None:
    path = write(
        "ex.py", "import torch\nmodel = torch.nn.Linear(2, 2)\nexample_input = torch.randn(5, 2)\n"
    )
    with pytest.raises(SpecError, match="--batch-size needs --input-shape"):
        built(path, batch_size=4)
    _, inputs, _ = built(path, batch_size=4, input_shapes=((2,),))
    assert inputs[0].shape == (4, 2)


def test_python_dtype_option_converts_model_and_inputs(write: Write) -> None:
    path = write(
        "ex.py", "import torch\nmodel = torch.nn.Linear(2, 2)\nexample_input = torch.randn(5, 2)\n"
    )
    model, inputs, _ = built(path, dtype="float64")
    assert model.weight.dtype == torch.float64 and inputs[0].dtype == torch.float64


def test_spec_can_import_its_neighbours(write: Write) -> None:
    write("blocks.py", "from torch import nn\n\ndef head():\n    return nn.Linear(3, 1)\n")
    path = write("main_spec.py", "import blocks\n\ndef build_model():\n    return blocks.head()\n")
    model, _, sources = built(path, input_shapes=((3,),))
    assert isinstance(model, nn.Linear)
    # The root module is named as the trace names it; the line is in the neighbour file.
    head = f"{path.parent / 'blocks.py'}:4"
    assert sources == {"(model)": head, "weight": head, "bias": head}


def test_importable_module_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "zoo_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(NET)
    monkeypatch.chdir(tmp_path)
    model, _, sources = built("zoo_pkg.nets:Net", input_shapes=((4,),), model_args={"hidden": 2})
    assert model.fc2.in_features == 2
    assert sources["fc1"] == str(Path("zoo_pkg") / "nets.py") + ":9"  # NET written unstripped
    with pytest.raises(SpecError, match="cannot import module 'zoo_pkg.absent'"):
        built("zoo_pkg.absent:Net", input_shapes=((4,),))


def test_modules_inside_a_layer_inherit_its_line(write: Write) -> None:
    path = write(
        "enc.yaml",
        """
        input: {shape: [5, 8]}
        model:
          proj: {Linear: [8, 8]}
          encoder:
            TransformerEncoderLayer: {d_model: 8, nhead: 2, dim_feedforward: 16, batch_first: true}
        """,
    )
    _, _, sources = built(path)
    assert (
        sources["encoder"]
        == sources["encoder.linear1"]
        == sources["encoder.self_attn.out_proj"]
        == f"{path}:4"
    )
    assert sources["proj"] == f"{path}:3"
    assert "(model)" not in sources  # the wrapper Sequential was not written by the user


def test_layer_types_outside_torch_nn_need_allow_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "zoo_blocks"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from torch import nn\n\n\nclass Block(nn.Linear):\n    pass\n\n\nNOT_A_LAYER = 3\n"
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        SpecError, match="'zoo_blocks.Block' is not in torch.nn; .* needs --allow-imports"
    ):
        resolve_layer_type("zoo_blocks.Block", "x.yaml", 3)
    assert (
        resolve_layer_type("zoo_blocks.Block", "x.yaml", 3, allow_imports=True).__name__ == "Block"
    )
    with pytest.raises(SpecError, match="not a layer type 'zoo_blocks.NOT_A_LAYER'"):
        resolve_layer_type("zoo_blocks.NOT_A_LAYER", "x.yaml", 3, allow_imports=True)
    with pytest.raises(SpecError, match="zoo_blocks has no 'Missing'"):
        resolve_layer_type("zoo_blocks.Missing", "x.yaml", 3, allow_imports=True)
    with pytest.raises(
        SpecError, match="cannot import 'absent_pkg' for layer type 'absent_pkg.X'"
    ) as caught:
        resolve_layer_type("absent_pkg.X", "x.yaml", 9, allow_imports=True)
    assert caught.value.location == "x.yaml:9"


def test_init_schemes_are_applied_and_seeded(write: Write) -> None:
    path = write(
        "init.yaml",
        """
        input: {shape: [16]}
        model:
          hidden: {Linear: [16, 32], init: {constant_: {val: 0.5}}}
          wide: {Linear: [32, 64], init: {weight: xavier_uniform_, bias: zeros}}
          plain: {Linear: [64, 2]}
        """,
    )
    model, _, _ = built(path)
    assert torch.all(model.hidden.weight == 0.5)
    assert not torch.all(model.hidden.bias == 0.5)  # the bias keeps PyTorch's default
    largest = float(model.wide.weight.detach().abs().max())
    assert 0.95 * (6 / (32 + 64)) ** 0.5 < largest <= (6 / (32 + 64)) ** 0.5
    assert torch.all(model.wide.bias == 0)
    again, _, _ = built(path)
    other, _, _ = built(path, seed=1)
    assert torch.equal(model.wide.weight, again.wide.weight)
    assert not torch.equal(model.wide.weight, other.wide.weight)
    result = build(load_spec(str(path)), RunOptions())
    assert set(result.inits) == {"hidden", "wide"}


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            "{Linear: [4, 4, false], init: {bias: zeros_}}",
            "layer 'fc' (Linear) has no bias to initialise",
        ),
        ("{ReLU: null, init: ones_}", "layer 'fc' (ReLU) has no weight to initialise"),
        (
            "{Linear: [4, 4], init: {normal_: {stdd: 1}}}",
            "init normal_(stdd=1) of fc.weight failed: TypeError",
        ),
        ("{Linear: [4, 4], init: dirac_}", "init dirac_ of fc.weight failed: ValueError"),
    ],
    ids=["no-bias", "no-weight", "bad-argument", "wrong-shape"],
)
def test_init_errors_name_the_layer_and_line(write: Write, layer: str, message: str) -> None:
    path = write("bad.yaml", f"input: {{shape: [4]}}\nmodel:\n  fc: {layer}\n")
    with pytest.raises(SpecError) as caught:
        built(path)
    assert message in caught.value.message
    assert caught.value.location == f"{path}:3"


def test_building_on_meta_fills_no_values_and_imports_no_compiler() -> None:
    """nn.Embedding's normal_ on meta would import torch._dynamo (about 800 modules, 2 s)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom linearcli.build import build\nfrom linearcli.options import RunOptions\n"
        "from linearcli.spec import load_spec\n"
        "built = build(load_spec('specs/transformer.yaml'), RunOptions())\n"
        "print('torch._dynamo' in sys.modules, built.model.embed.weight.device)\n"
    )
    from .conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split() == ["False", "cpu"]


def test_lazy_buffers_are_not_counted_before_they_exist(write: Write) -> None:
    # LazyBatchNorm1d's running stats are UninitializedBuffers until it runs: the memory
    # estimate skips them (it used to ask for their size and crash with exit 3).
    spec = write(
        "lazy_norm.yaml",
        """
        input: {shape: [8]}
        model:
          - LazyLinear: [16]
          - LazyBatchNorm1d: []
          - Linear: [16, 2]
        """,
    )
    model, inputs, _ = built(spec)
    assert [type(m).__name__ for m in model] == ["LazyLinear", "LazyBatchNorm1d", "Linear"]
    report = inspect_model(model, *inputs)
    assert (report.totals.linear_params, report.totals.params) == (8 * 16 + 16 + 16 * 2 + 2, 210)


WIDE_PY = """
import torch
from torch import nn


class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = float(torch.ones(1).sum().item()) if {needs_values} else 1.0
        self.fc = nn.Linear(1000, 1000)  # 1,001,000 parameters: 4,004,000 bytes

    def forward(self, x):
        return self.fc(x) * self.scale


example_input = torch.zeros(2, 1000)
"""


@pytest.mark.parametrize(
    ("budget", "device"), [("1MB", "meta"), ("1GB", "cpu")], ids=["over", "under"]
)
def test_a_python_class_is_measured_on_meta_before_it_is_made(
    cli: Cli, write: Write, budget: str, device: str
) -> None:
    spec = str(write("wide.py", WIDE_PY.format(needs_values=False)))
    result = cli("inspect", spec, "--max-memory", budget, "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert (data["device"], data["totals"]["params"]) == (device, 1_001_000)
    layer = data["layers"][0]
    assert (layer["weight_shape"], layer["source"]) == ([1000, 1000], f"{spec}:9")
    if device == "meta":
        assert layer["weight_range"] is None
        assert [d["code"] for d in data["diagnostics"]] == ["meta-fallback"]
        assert result.stderr == (
            f"{spec}: note: the model and its sample batch need 3.8 MiB, more than the "
            "976.6 KiB budget (--max-memory): inspected on the meta device, where shapes, "
            "counts and findings are exact but there are no values\n"
        )
    else:
        assert layer["weight_range"] is not None
        assert (data["diagnostics"], result.stderr) == ([], "")


def test_code_that_needs_values_is_made_for_real_without_an_estimate(
    cli: Cli, write: Write
) -> None:
    # .item() cannot run on the meta device: the trial fails quietly and the real
    # model is made as before.
    spec = str(write("wide.py", WIDE_PY.format(needs_values=True)))
    result = cli("inspect", spec, "--max-memory", "1MB", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["device"], result.json()["diagnostics"]) == ("cpu", [])


def test_a_model_made_on_import_has_taken_its_memory_already(cli: Cli, write: Write) -> None:
    spec = str(
        write(
            "made.py",
            "import torch\nmodel = torch.nn.Linear(1000, 1000)\n"
            "example_input = torch.zeros(2, 1000)\n",
        )
    )
    result = cli("inspect", spec, "--max-memory", "1MB", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert (result.json()["device"], result.json()["diagnostics"]) == ("cpu", [])


def test_the_trial_on_meta_leaves_the_seeded_weights_alone(write: Write) -> None:
    noisy = write(
        "noisy.py",
        """
        import torch
        from torch import nn

        class Noisy(nn.Module):
            def __init__(self):
                super().__init__()
                self.offset = float(torch.randn(1, device="cpu"))  # draws from the seed
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x) + self.offset

        example_input = torch.zeros(1, 4)
        """,
    )
    spec = load_spec(str(noisy))
    assert isinstance(spec, PythonSpec)
    measured = build(spec, RunOptions()).model  # made on meta first, then for real
    torch.manual_seed(RunOptions().seed)
    plain = load_python_model(spec, {}, meta=False).model  # made once
    assert measured.offset == plain.offset
    assert torch.equal(measured.fc.weight, plain.fc.weight)


KEYWORD_SPEC = """
import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.head = nn.Linear(16, 5)

    def forward(self, input_ids, attention_mask=None, scale=1.0):
        hidden = self.embed(input_ids) * scale
        if attention_mask is not None:
            hidden = hidden * attention_mask[..., None]
        return self.head(hidden)


def example_input():
    ids = torch.randint(0, 50, (2, 7))
    return {"input_ids": ids, "attention_mask": torch.ones(2, 7), "scale": 2.0}
"""


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_dict_example_input_is_passed_by_keyword(write: Write, device: str) -> None:
    from linearcli.pipeline import inspect_spec

    path = write("tagger.py", KEYWORD_SPEC)
    built = build(load_spec(str(path)), RunOptions(device=device))
    assert built.inputs == ()
    assert list(built.keywords) == ["input_ids", "attention_mask", "scale"]
    assert built.keywords["scale"] == 2.0
    assert built.keywords["attention_mask"].device.type == device
    report = inspect_spec(str(path), RunOptions(device=device))
    assert report.ok and not report.diagnostics
    assert report.inputs == ((2, 7), (2, 7))
    (head,) = report.layers
    assert (head.input_shape, head.output_shape) == ((2, 7, 16), (2, 7, 5))


def test_inspect_model_passes_keywords_to_forward() -> None:
    from linearcli.pipeline import assert_shapes

    class Masked(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(6, 3)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
            return self.fc(x if mask is None else x * mask)

    x, mask = torch.randn(4, 6), torch.ones(4, 6)
    report = inspect_model(Masked(), x, mask=mask)
    assert report.inputs == ((4, 6), (4, 6)) and report.ok
    assert report.layers[0].output_shape == (4, 3)
    assert assert_shapes(Masked(), x=x, mask=mask).ok
    with pytest.raises(AssertionError, match="in-features-mismatch"):
        assert_shapes(Masked(), x=torch.randn(4, 5))
