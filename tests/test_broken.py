"""Every spec in specs/broken/ yields exactly its expected findings, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest

from .conftest import ROOT, Result

Cli = Callable[..., Result]

pytestmark = pytest.mark.usefixtures("in_repo")


class Expected(NamedTuple):
    severity: str
    code: str
    layer: str
    line: int
    fix: str | None  # a fragment the fix must contain, with the right number


BROKEN: dict[str, list[Expected]] = {
    "wrong_hidden_size.yaml": [
        Expected("error", "in-features-mismatch", "fc2", 7, "nn.Linear(256, 10)"),
    ],
    "wrong_hidden_size.py": [
        Expected("error", "in-features-mismatch", "fc2", 14, "change fc1's out_features to 128"),
    ],
    "cnn_no_flatten.yaml": [
        Expected(
            "error",
            "unflattened-input",
            "fc",
            8,
            "insert nn.Flatten() (or x = x.flatten(1)) before fc: 16*32*32 = 16384",
        ),
    ],
    "cnn_no_flatten.py": [
        Expected("error", "unflattened-input", "fc1", 21, "16*16*16 = 4096"),
    ],
    "conv1d_to_linear.yaml": [
        Expected("warning", "unflattened-input", "fc", 8, "8*30 = 240: nn.Linear(240, 5)"),
    ],
    "three_mismatches.yaml": [
        Expected(
            "error", "in-features-mismatch", "fc2", 6, "set in_features to 20: nn.Linear(20, 40)"
        ),
        Expected(
            "error", "in-features-mismatch", "fc3", 7, "set in_features to 40: nn.Linear(40, 60)"
        ),
        Expected(
            "error", "in-features-mismatch", "fc4", 8, "set in_features to 60: nn.Linear(60, 2)"
        ),
    ],
    "conv_channels.yaml": [
        Expected(
            "error",
            "channels-mismatch",
            "conv2",
            6,
            "set conv2's in_channels to 16, or make conv1 give 8 channels",
        ),
    ],
    "keras_kernel.py": [
        Expected("error", "transposed-weight", "dense", 24, "store dense.weight as (8, 20)"),
    ],
    "dense_factory.py": [
        Expected("error", "in-features-mismatch", "body.2.0", 22, "nn.Linear(128, 64)"),
    ],
    "skip_off_by_one.py": [
        Expected("error", "forward-error", "(model)", 24, None),
        Expected("info", "not-called", "head", 19, None),
    ],
    "bad_reshape.py": [
        Expected("error", "view-size", "(model)", 21, "x.view(x.size(0), -1), 6*12*12 = 864"),
        Expected("error", "in-features-mismatch", "fc", 17, "nn.Linear(864, 10)"),
    ],
    "constant_init.yaml": [
        Expected("warning", "symmetric-init", "hidden", 7, "random init"),
    ],
    "nan_weights.py": [
        Expected("error", "non-finite-weights", "head", 14, "reset_parameters()"),
    ],
    "unused_linear.py": [
        Expected("warning", "not-called", "spare", 14, "delete it (20 parameters)"),
    ],
}


def test_every_broken_spec_has_expectations() -> None:
    assert sorted(p.name for p in (ROOT / "specs" / "broken").iterdir()) == sorted(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_exactly_the_expected_findings(cli: Cli, name: str) -> None:
    spec = f"specs/broken/{name}"
    expected = BROKEN[name]
    result = cli("inspect", spec, "-f", "json")
    assert "Traceback" not in result.stderr
    findings = result.json()["diagnostics"]
    assert [(d["severity"], d["code"], d["layer"], d["source"]) for d in findings] == [
        (e.severity, e.code, e.layer, f"{spec}:{e.line}") for e in expected
    ]
    for finding, want in zip(findings, expected, strict=True):
        if want.fix is None:
            assert finding["fix"] is None
        else:
            assert want.fix in finding["fix"]
    has_errors = any(e.severity == "error" for e in expected)
    has_warnings = any(e.severity == "warning" for e in expected)
    assert result.exit_code == (1 if has_errors else 0)
    assert result.json()["ok"] is not has_errors
    assert cli("inspect", spec, "--strict").exit_code == (1 if has_errors or has_warnings else 0)


def test_layer_rows_are_marked_by_status(cli: Cli) -> None:
    data = cli("inspect", "specs/broken/three_mismatches.yaml", "-f", "json").json()
    assert [
        (row["name"], row["status"], row["input_shape"], row["output_shape"])
        for row in data["layers"]
    ] == [
        ("fc1", "ok", [2, 10], [2, 20]),
        ("fc2", "error", [2, 20], [2, 40]),
        ("fc3", "error", [2, 40], [2, 60]),
        ("fc4", "error", [2, 60], [2, 2]),
    ]
    assert data["output_shape"] == [2, 2]  # the run went on to the end
    messages = [d["message"] for d in data["diagnostics"]]
    assert ["after linearcli corrected" in m for m in messages] == [False, True, True]


def test_a_failure_leaves_later_linears_not_called(cli: Cli) -> None:
    data = cli("inspect", "specs/broken/skip_off_by_one.py", "-f", "json").json()
    (fc,) = data["layers"]
    assert (fc["status"], fc["calls"], fc["input_shape"]) == ("not-called", 0, None)
    error = data["diagnostics"][0]
    assert "RuntimeError in the model's own forward (TinyUNet)" in error["message"]
    assert "Expected size 14 but got size 15 for tensor number 1" in error["message"]


def test_the_meta_device_finds_the_same(cli: Cli) -> None:
    for name in ("three_mismatches.yaml", "cnn_no_flatten.yaml", "conv1d_to_linear.yaml"):
        spec = f"specs/broken/{name}"
        on_cpu = cli("inspect", spec, "-f", "json").json()["diagnostics"]
        on_meta = cli("inspect", spec, "-f", "json", "--device", "meta").json()["diagnostics"]
        assert on_meta == on_cpu


def test_debug_prints_the_forward_traceback(cli: Cli) -> None:
    quiet = cli("inspect", "specs/broken/skip_off_by_one.py")
    loud = cli("inspect", "specs/broken/skip_off_by_one.py", "--debug")
    assert "Traceback" not in quiet.stderr and quiet.exit_code == loud.exit_code == 1
    assert "Traceback (most recent call last)" in loud.stderr
    assert "Expected size 14 but got size 15" in loud.stderr


def test_the_json_traces_the_path_to_the_line_to_edit(cli: Cli) -> None:
    spec = "specs/broken/dense_factory.py"
    (finding,) = cli("inspect", spec, "-f", "json").json()["diagnostics"]
    assert finding["source"] == f"{spec}:22"  # where dense(256, 64) passed the size
    assert finding["trace"] == [
        {
            "source": f"{spec}:21",
            "what": "its input (8, 128) comes from body.1.0 (Linear 256->128)",
        },
        {"source": f"{spec}:13", "what": "body.2.0 is made"},
        {"source": f"{spec}:22", "what": "body.2.0's in_features is passed"},
    ]
    spec = "specs/broken/bad_reshape.py"
    view, fc = cli("inspect", spec, "-f", "json").json()["diagnostics"]
    assert view["trace"] == []
    assert fc["trace"] == [
        {
            "source": f"{spec}:21",
            "what": "its input (2, 864) is made: `x = x.view(-1, 6 * 14 * 14)`",
        },
        {"source": f"{spec}:17", "what": "fc is made"},
    ]
