from __future__ import annotations

from linearcli.diagnose import diagnose
from linearcli.trace import ForwardFailure, LinearCall, LinearRecord, Trace


def record(name: str, calls: tuple[LinearCall, ...], used_by: str | None = None) -> LinearRecord:
    return LinearRecord(
        name=name,
        type_name="Linear",
        in_features=8,
        out_features=4,
        weight_shape=(4, 8),
        bias_shape=(4,),
        params=36,
        weight_range=(-0.3, 0.3),
        calls=calls,
        used_by=used_by,
    )


def make_trace(*records: LinearRecord, failure: ForwardFailure | None = None) -> Trace:
    return Trace(
        linears=records,
        input_shapes=((2, 8),),
        output_shape=None if failure else (2, 4),
        failure=failure,
        params=36 * len(records),
        trainable_params=36 * len(records),
        linear_params=36 * len(records),
        param_bytes=144 * len(records),
        device="cpu",
        dtype="float32",
    )


RAN = (LinearCall((2, 8), (2, 4)),)


def test_a_clean_trace_has_no_findings() -> None:
    assert diagnose(make_trace(record("fc", RAN)), {}) == ()


def test_a_linear_never_called_is_a_warning_with_a_fix_and_its_source() -> None:
    (finding,) = diagnose(
        make_trace(record("fc", RAN), record("spare", ())), {"spare": "net.py:12"}
    )
    assert (finding.severity, finding.code, finding.layer, finding.source) == (
        "warning",
        "not-called",
        "spare",
        "net.py:12",
    )
    assert "spare (Linear 8->4) is never called" in finding.message
    assert (
        finding.fix is not None and "self.spare" in finding.fix and "36 parameters" in finding.fix
    )


def test_a_linear_used_by_its_parent_is_not_dead() -> None:
    assert diagnose(make_trace(record("attn.out_proj", (), used_by="attn")), {}) == ()


def test_forward_error_comes_first_and_skipped_layers_are_info() -> None:
    failure = ForwardFailure(
        "fc1", "Linear", "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x8 and 5x4)"
    )
    findings = diagnose(
        make_trace(record("fc1", (LinearCall((2, 8), None),)), record("fc2", ()), failure=failure),
        {"fc1": "m.yaml:3", "fc2": "m.yaml:4"},
    )
    assert [(f.severity, f.code, f.layer, f.source) for f in findings] == [
        ("error", "forward-error", "fc1", "m.yaml:3"),
        ("info", "not-called", "fc2", "m.yaml:4"),
    ]
    error, skipped = findings
    assert "RuntimeError in fc1 (Linear)" in error.message
    assert "mat1 and mat2 shapes cannot be multiplied (2x8 and 5x4)" in error.message
    assert "stopped at fc1 first" in skipped.message and skipped.fix is None
