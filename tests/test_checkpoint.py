"""checkpoint-mismatch: load_state_dict in a Python spec, and inspect --weights FILE.

The words (checkpoint.py) are tested on hand-made records; the recording (loads.py,
makers.py, call_sites.py) and the file reading (weights_file.py) on real specs and files.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from linearcli.build import build
from linearcli.call_sites import handles_errors
from linearcli.checkpoint import CheckpointFacts, LayerMismatch, TensorMismatch, checkpoint_findings
from linearcli.errors import SpecError
from linearcli.options import RunOptions
from linearcli.pipeline import inspect_spec
from linearcli.report import Diagnostic
from linearcli.spec import load_spec

from .conftest import Result

Cli = Callable[..., Result]
Write = Callable[[str, str], Path]

pytestmark = pytest.mark.usefixtures("in_repo")
PYTORCH_LOAD = nn.Module.load_state_dict


def line_of(path: Path, text: str) -> str:
    """``path:N`` of the one line holding ``text``."""
    lines = path.read_text().splitlines()
    (number,) = [n for n, line in enumerate(lines, 1) if text in line]
    return f"{path}:{number}"


def findings(path: Path | str, **options: Any) -> list[Diagnostic]:
    report = inspect_spec(str(path), RunOptions(**options))
    return [d for d in report.diagnostics if d.code == "checkpoint-mismatch"]


# The words, on hand-made records --------------------------------------------------------

HEAD = LayerMismatch(
    layer="fc",
    type_name="Linear",
    has_bias=True,
    tensors=(
        TensorMismatch("fc.weight", (100, 64), (10, 64)),
        TensorMismatch("fc.bias", (100,), (10,)),
    ),
    call="net.py:46",
    size_line="net.py:28",
)


def test_a_linear_head_is_one_finding_with_both_shapes_and_the_layer_that_loads_it() -> None:
    (finding,) = checkpoint_findings(CheckpointFacts((HEAD,)), {"fc": "net.py:20"})
    assert (finding.severity, finding.code, finding.layer) == ("error", "checkpoint-mismatch", "fc")
    assert finding.source == "net.py:28"  # the line that set the size, not where fc was made
    assert "load_state_dict at net.py:46 raises a size mismatch" in finding.message
    assert "fc.weight is (100, 64) in the checkpoint and (10, 64) in the model" in finding.message
    assert "fc.bias (100,) and (10,)" in finding.message
    assert finding.fix is not None
    assert "build fc as nn.Linear(64, 100) to load the checkpoint as it is" in finding.fix
    assert "to keep nn.Linear(64, 10), replace fc with it after loading" in finding.fix


def test_without_a_size_line_the_finding_points_where_the_layer_was_made() -> None:
    layer = LayerMismatch("fc", "Linear", False, HEAD.tensors[:1], None, None)
    facts = CheckpointFacts((layer,), weights="w.pt", model_tensors=4)
    (finding,) = checkpoint_findings(facts, {"fc": "net.py:20"})
    assert finding.source == "net.py:20"
    assert finding.message == "fc.weight is (100, 64) in w.pt and (10, 64) in the model"
    assert finding.fix is not None and "nn.Linear(64, 100, bias=False)" in finding.fix


def test_other_layers_get_their_sizes_plainly() -> None:
    conv = LayerMismatch(
        "features.0",
        "Conv2d",
        True,
        (
            TensorMismatch("features.0.weight", (64, 3, 3, 3), (32, 3, 3, 3)),
            TensorMismatch("features.0.bias", (64,), (32,)),
        ),
        "net.py:40",
    )
    (finding,) = checkpoint_findings(CheckpointFacts((conv,)), {})
    assert finding.source == "net.py:40"  # no line of its own: the load's
    assert finding.fix == (
        "build features.0 with weight (64, 3, 3, 3) and bias (64,), as the checkpoint has "
        "them, to load it as it is; to keep its sizes, replace features.0 after loading"
    )


def test_a_module_outside_the_model_is_said_to_be() -> None:
    tensors = (TensorMismatch("fc.weight", (3, 2), (4, 2)),)
    layer = LayerMismatch(None, "Linear", True, tensors, "a.py:9", loaded_into="Net")
    (finding,) = checkpoint_findings(CheckpointFacts((layer,)), {})
    assert finding.layer is None and finding.source == "a.py:9"
    assert "the Net it was loaded into is not part of the inspected model" in finding.message
    assert finding.fix is not None and finding.fix.startswith("build fc as nn.Linear(2, 3)")


def test_missing_and_unexpected_names_are_warnings_with_counts() -> None:
    facts = CheckpointFacts(
        weights="w.pt",
        missing=("head.weight", "head.bias"),
        unexpected=tuple(f"extra.{n}" for n in range(6)),
        model_tensors=10,
    )
    missing, unexpected = checkpoint_findings(facts, {})
    assert (missing.severity, missing.layer, missing.source) == ("warning", None, "w.pt")
    assert missing.message.startswith(
        "w.pt has no value for 2 of the model's 10 tensors (head.weight, head.bias)"
    )
    assert unexpected.severity == "warning"
    assert unexpected.message.startswith(
        "w.pt has 6 tensors the model has no place for "
        "(extra.0, extra.1, extra.2, extra.3 and 2 more)"
    )


# load_state_dict in a Python spec -------------------------------------------------------

NET = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(self.features(x))


def checkpoint(classes=100):
    trained = Net(classes)
    for p in trained.parameters():
        nn.init.constant_(p, 0.5)
    return trained.state_dict()


example_input = torch.randn(2, 3, 8, 8)
"""


def test_a_head_mismatch_is_found_and_the_rest_is_loaded_and_inspected(write: Write) -> None:
    path = write("head.py", NET + "model = Net()\nmodel.load_state_dict(checkpoint())\n")
    built = build(load_spec(str(path)), RunOptions())
    conv = built.model.features[0]
    assert torch.equal(conv.weight, torch.full_like(conv.weight, 0.5))  # the rest loaded
    (mismatch,) = built.checkpoint.mismatches
    assert (mismatch.layer, mismatch.call) == ("fc", line_of(path, "model.load_state_dict("))
    assert [(t.name, t.checkpoint, t.model) for t in mismatch.tensors] == [
        ("fc.weight", (100, 8), (10, 8)),
        ("fc.bias", (100,), (10,)),
    ]
    (finding,) = findings(path)
    assert finding.source == line_of(path, "self.fc = nn.Linear(8, classes)")  # Net() passes none
    assert finding.fix is not None and "nn.Linear(8, 100)" in finding.fix
    assert nn.Module.load_state_dict is PYTORCH_LOAD  # restored


def test_the_cli_reports_it_and_exits_1(cli: Cli, write: Write) -> None:
    path = write("head.py", NET + "model = Net()\nmodel.load_state_dict(checkpoint())\n")
    result = cli("inspect", str(path), "-f", "json")
    assert result.exit_code == 1, result.stderr
    data = result.json()
    (finding,) = data["diagnostics"]
    assert (finding["code"], finding["layer"]) == ("checkpoint-mismatch", "fc")
    assert [(layer["name"], layer["status"]) for layer in data["layers"]] == [("fc", "error")]
    assert data["layers"][0]["weight_shape"] == [10, 8]  # the model as built, still traced


def test_the_line_is_the_call_that_passed_the_size_in(write: Write) -> None:
    path = write(
        "nested.py",
        NET
        + """
class Block(nn.Module):
    def __init__(self, width, reduction):
        super().__init__()
        self.squeeze = nn.Linear(width, width // reduction)


class Outer(nn.Module):
    def __init__(self, reduction=4):
        super().__init__()
        self.block = Block(
            16,
            reduction=reduction,
        )

    def forward(self, x):
        return self.block.squeeze(x)


def build_model():
    model = Outer(reduction=8)
    model.load_state_dict(Outer(reduction=2).state_dict())
    return model


example_input = torch.randn(2, 16)
""",
    )
    (finding,) = findings(f"{path}:build_model")
    assert finding.layer == "block.squeeze"
    assert finding.source == line_of(path, "model = Outer(reduction=8)")
    assert finding.fix is not None and "nn.Linear(16, 8)" in finding.fix


def test_a_literal_in_the_inner_call_is_the_line(write: Write) -> None:
    path = write(
        "literal.py",
        NET + "def build_model():\n    m = Net(classes=10)\n    m.load_state_dict(checkpoint())\n"
        "    m.fc = nn.Linear(8, 100)\n    m.load_state_dict(checkpoint(classes=7))\n"
        "    return m\n",
    )
    first, second = findings(f"{path}:build_model")
    # fc was replaced after the first load: that load's mismatch still names fc
    assert (first.layer, first.source) == ("fc", line_of(path, "m = Net(classes=10)"))
    assert second.source == line_of(path, "m.fc = nn.Linear(8, 100)")
    assert second.message.startswith(f"load_state_dict at {line_of(path, 'classes=7')}")


def test_a_load_into_a_submodule_is_named_from_the_top(write: Write) -> None:
    path = write(
        "sub.py",
        NET
        + """
class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Net()

    def forward(self, x):
        return self.backbone(x)


model = Wrapper()
model.backbone.load_state_dict(checkpoint(classes=3))
""",
    )
    (finding,) = findings(f"{path}:model")
    assert finding.layer == "backbone.fc"
    assert "backbone.fc.weight is (3, 8) in the checkpoint and (10, 8)" in finding.message


def test_strict_false_reports_sizes_but_not_missing_keys(write: Write) -> None:
    path = write(
        "loose.py",
        NET + "model = Net()\nstate = checkpoint()\ndel state['features.0.bias']\n"
        "model.load_state_dict(state, strict=False)\n",
    )
    (finding,) = findings(f"{path}:model")
    assert finding.layer == "fc"
    path = write("partial.py", NET + "model = Net()\nmodel.load_state_dict({}, strict=False)\n")
    assert findings(f"{path}:model") == []  # nothing but missing keys: as PyTorch has it


def test_missing_keys_under_strict_stop_the_build_as_before(write: Write, cli: Cli) -> None:
    path = write(
        "strict.py",
        NET + "model = Net()\nstate = checkpoint()\ndel state['features.0.bias']\n"
        "model.load_state_dict(state)\n",
    )
    result = cli("inspect", str(path))
    assert result.exit_code == 2
    assert "raised RuntimeError: Error(s) in loading state_dict for Net" in result.stderr
    assert nn.Module.load_state_dict is PYTORCH_LOAD


def test_a_spec_that_catches_the_error_handles_it_itself(write: Write) -> None:
    path = write(
        "caught.py",
        NET
        + """
def build_model():
    model = Net()
    state = checkpoint()
    try:
        model.load_state_dict(state)
    except RuntimeError:
        kept = {k: v for k, v in state.items() if not k.startswith("fc.")}
        model.load_state_dict(kept, strict=False)
    return model
""",
    )
    assert findings(f"{path}:build_model") == []


def test_a_convolution_and_assign_true(write: Write) -> None:
    path = write(
        "conv.py",
        NET
        + """
model = Net()
state = checkpoint(classes=10)
state["features.0.weight"] = torch.zeros(16, 3, 3, 3)
state["features.0.bias"] = torch.zeros(16)
model.load_state_dict(state, assign=True)
""",
    )
    built = build(load_spec(f"{path}:model"), RunOptions())
    assert torch.equal(built.model.fc.bias, torch.full((10,), 0.5))  # assigned
    (finding,) = checkpoint_findings(built.checkpoint, built.sources)
    assert finding.layer == "features.0"
    assert finding.source == line_of(path, "nn.Conv2d(3, 8, 3)")
    assert finding.fix is not None and "weight (16, 3, 3, 3) and bias (16,)" in finding.fix


def test_a_load_into_a_module_outside_the_model(write: Write) -> None:
    path = write(
        "elsewhere.py",
        NET + "model = Net()\nother = Net(classes=5)\nother.load_state_dict(checkpoint())\n",
    )
    (finding,) = findings(f"{path}:model")
    assert finding.layer is None and finding.source == line_of(path, "other = Net(classes=5)")
    assert f"load_state_dict at {line_of(path, 'other.load_state_dict(')}" in finding.message
    assert "the Net it was loaded into is not part of the inspected model" in finding.message


def test_handles_errors_reads_try_and_suppress(tmp_path: Path) -> None:
    path = tmp_path / "code.py"
    path.write_text(
        "try:\n    a()\nexcept (KeyError, RuntimeError):\n    pass\n"
        "try:\n    b()\nexcept ValueError:\n    pass\n"
        "with contextlib.suppress(Exception):\n    c()\n"
    )
    assert handles_errors([(str(path), 2)]) and handles_errors([(str(path), 10)])
    assert not handles_errors([(str(path), 6)])
    assert not handles_errors([(str(path), 4)])  # the handler itself is not guarded


# --weights FILE ------------------------------------------------------------------------

PLAIN = NET + "model = Net()\n"


def save_checkpoint(path: Path, classes: int = 100) -> dict[str, torch.Tensor]:
    state = {k: torch.full_like(v, 0.25) for k, v in _net(classes).state_dict().items()}
    torch.save(state, path)
    return state


def _net(classes: int) -> nn.Module:
    return nn.ModuleDict(
        {
            "features": nn.Sequential(nn.Conv2d(3, 8, 3)),
            "fc": nn.Linear(8, classes),
        }
    )


def write_safetensors(path: Path, shapes: dict[str, list[int]]) -> None:
    """A .safetensors file by hand: the header's length, the JSON header, zero bytes."""
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 4 * int(torch.tensor(shape).prod()) if shape else 4
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(offset))


def test_weights_pt_compares_and_loads_what_fits(write: Write, tmp_path: Path, cli: Cli) -> None:
    spec = write("plain.py", PLAIN)
    weights = tmp_path / "w.pt"
    save_checkpoint(weights)
    built = build(load_spec(str(spec)), RunOptions(weights=str(weights)))
    conv = built.model.features[0]
    assert torch.equal(conv.weight, torch.full_like(conv.weight, 0.25))
    (finding,) = checkpoint_findings(built.checkpoint, built.sources)
    assert finding.message == (
        f"fc.weight is (100, 8) in {weights} and (10, 8) in the model, fc.bias (100,) and (10,)"
    )
    assert finding.source == line_of(spec, "self.fc = nn.Linear(8, classes)")
    result = cli("inspect", str(spec), "--weights", str(weights), "-f", "json")
    assert result.exit_code == 1
    assert [d["code"] for d in result.json()["diagnostics"]] == ["checkpoint-mismatch"]


def test_weights_that_fit_exit_0(write: Write, tmp_path: Path, cli: Cli) -> None:
    spec = write("plain.py", PLAIN)
    weights = tmp_path / "w.pth"
    save_checkpoint(weights, classes=10)
    result = cli("inspect", str(spec), "--weights", str(weights), "-f", "json")
    assert result.exit_code == 0, result.stdout
    assert result.json()["layers"][0]["weight_range"] == [0.25, 0.25]


def test_weights_safetensors_read_from_the_header(write: Write, tmp_path: Path) -> None:
    spec = write("plain.py", PLAIN)
    weights = tmp_path / "w.safetensors"
    write_safetensors(
        weights,
        {
            "features.0.weight": [8, 3, 3, 3],
            "features.0.bias": [8],
            "fc.weight": [7, 8],
            "head.weight": [2, 2],
        },
    )
    built = build(load_spec(str(spec)), RunOptions(weights=str(weights)))
    assert torch.count_nonzero(built.model.features[0].weight) == 0  # the zeros loaded
    mismatch, missing, unexpected = checkpoint_findings(built.checkpoint, built.sources)
    assert mismatch.fix is not None and "nn.Linear(8, 7)" in mismatch.fix
    assert "has no value for 1 of the model's 4 tensors (fc.bias)" in missing.message
    assert "has 1 tensor the model has no place for (head.weight)" in unexpected.message


def test_weights_with_a_data_parallel_prefix(write: Write, tmp_path: Path) -> None:
    spec = write("plain.py", PLAIN)
    weights = tmp_path / "dp.pt"
    state = save_checkpoint(weights, classes=10)
    torch.save({f"module.{k}": v for k, v in state.items()}, weights)
    assert findings(spec, weights=str(weights)) == []


def test_weights_on_a_yaml_spec_point_at_the_layer_line(write: Write, tmp_path: Path) -> None:
    spec = write("mlp.yaml", "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 3]}\n")
    weights = tmp_path / "w.pt"
    torch.save({"fc.weight": torch.zeros(5, 4), "fc.bias": torch.zeros(5)}, weights)
    (finding,) = findings(spec, weights=str(weights))
    assert finding.source == f"{spec}:3"
    assert finding.fix is not None and "nn.Linear(4, 5)" in finding.fix


def test_weights_on_meta_compare_shapes_only(write: Write, tmp_path: Path) -> None:
    spec = write("mlp.yaml", "input: {shape: [4]}\nmodel:\n  fc: {Linear: [4, 3]}\n")
    weights = tmp_path / "w.safetensors"
    write_safetensors(weights, {"fc.weight": [6, 4], "fc.bias": [6]})
    (finding,) = findings(spec, weights=str(weights), device="meta")
    assert "fc.weight is (6, 4)" in finding.message


def safetensors_header(text: bytes) -> bytes:
    return struct.pack("<Q", len(text)) + text


class Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (open, ("/tmp/linearcli-weights-ran-code", "w"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "evil.pt", {"fc.weight": Evil()}, "holds Python objects other than tensors", id="code"
        ),
        pytest.param("junk.pt", b"not a checkpoint", "not a file torch.save wrote", id="junk"),
        pytest.param(
            "list.pt", [torch.zeros(2)], "holds a list, not a state dict of tensors", id="list"
        ),
        pytest.param(
            "nested.pt",
            {"epoch": 3, "state_dict": {"fc.weight": torch.zeros(2, 2)}},
            "holds a dict of 'epoch', 'state_dict', not a state dict of tensors: save "
            "model.state_dict() alone (its 'state_dict' entry may be one)",
            id="training-checkpoint",
        ),
        pytest.param(
            "short.safetensors", b"\x05\x00", "no header of a possible length", id="short"
        ),
        pytest.param(
            "long.safetensors",
            struct.pack("<Q", 2**40) + b"{}",
            "no header of a possible length",
            id="long",
        ),
        pytest.param(
            "text.safetensors", struct.pack("<Q", 3) + b"abc", "header is not JSON", id="json"
        ),
        pytest.param(
            "offsets.safetensors",
            safetensors_header(b'{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}'),
            "data_offsets do not fit",
            id="offsets",
        ),
        pytest.param(
            "dtype.safetensors",
            safetensors_header(b'{"a": {"dtype": "C64", "shape": [], "data_offsets": [0, 8]}}'),
            "has dtype 'C64', which linearcli does not read",
            id="dtype",
        ),
        pytest.param("weights.npz", b"", "--weights takes a state dict", id="suffix"),
    ],
)
def test_a_bad_weights_file_exits_2_with_one_line(
    write: Write, tmp_path: Path, cli: Cli, name: str, content: object, message: str
) -> None:
    spec = write("plain.py", PLAIN)
    weights = tmp_path / name
    if isinstance(content, bytes):
        weights.write_bytes(content)
    else:
        torch.save(content, weights)
    result = cli("inspect", str(spec), "--weights", str(weights))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{weights}: error: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not Path("/tmp/linearcli-weights-ran-code").exists()


def test_a_missing_weights_file(write: Write, tmp_path: Path) -> None:
    spec = write("plain.py", PLAIN)
    with pytest.raises(SpecError, match="no such weights file"):
        inspect_spec(str(spec), RunOptions(weights=str(tmp_path / "absent.pt")))
