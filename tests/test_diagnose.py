from __future__ import annotations

from dataclasses import replace

import pytest

from linearcli.audit import audit
from linearcli.diagnose import AFTER_RECOVERY, diagnose
from linearcli.records import ForwardFailure, LinearCall, LinearRecord, Producer, Stats, Trace
from linearcli.report import Diagnostic, InitAudit, ParamInit

FC1 = Producer("fc1", "Linear", (784, 256))
CONV = Producer("conv", "Conv2d")
INPUT = Producer(None, "input")


def record(
    name: str,
    calls: tuple[LinearCall, ...],
    in_features: int = 8,
    out_features: int = 4,
    used_by: str | None = None,
) -> LinearRecord:
    return LinearRecord(
        name=name,
        type_name="Linear",
        in_features=in_features,
        out_features=out_features,
        weight_shape=(out_features, in_features),
        bias_shape=(out_features,),
        params=in_features * out_features + out_features,
        weight_stats=Stats(-0.3, 0.3, 0.0, 0.17, in_features * out_features),
        bias_stats=None,
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
        linear_map_params=36 * len(records),
        param_bytes=144 * len(records),
        device="cpu",
        dtype="float32",
    )


def only(*records: LinearRecord, sources: dict[str, str] | None = None) -> Diagnostic:
    (finding,) = diagnose(make_trace(*records), sources or {})
    return finding


RAN = (LinearCall((2, 8), (2, 4), INPUT),)


def test_a_clean_trace_has_no_findings() -> None:
    assert diagnose(make_trace(record("fc", RAN)), {}) == ()


def test_in_features_mismatch_names_layer_shapes_producer_and_both_fixes() -> None:
    call = LinearCall((2, 256), (2, 10), FC1)
    finding = only(record("fc2", (call,), 128, 10), sources={"fc2": "m.yaml:6"})
    assert (finding.severity, finding.code, finding.layer, finding.source) == (
        "error",
        "in-features-mismatch",
        "fc2",
        "m.yaml:6",
    )
    assert finding.message == (
        "fc2 (Linear 128->10) got (2, 256) from fc1 (Linear 784->256); in_features is 128"
    )
    assert finding.fix == (
        "set in_features to 256: nn.Linear(256, 10), "
        "or change fc1's out_features to 128: nn.Linear(784, 128)"
    )


@pytest.mark.parametrize(
    ("producer", "named"),
    [
        (INPUT, "the model's input"),
        (Producer("act", "ReLU"), "act (ReLU)"),
        (None, "an unknown producer"),
    ],
)
def test_mismatch_from_a_non_linear_only_offers_in_features(
    producer: Producer | None, named: str
) -> None:
    finding = only(record("fc", (LinearCall((2, 5), (2, 4), producer),)))
    assert f"got (2, 5) from {named}; in_features is 8" in finding.message
    assert finding.fix == "set in_features to 5: nn.Linear(5, 4)"


def test_mismatch_on_a_sequence_keeps_the_leading_axes() -> None:
    finding = only(record("head", (LinearCall((2, 16, 64), (2, 16, 4), FC1),), 32, 4))
    assert finding.code == "in-features-mismatch"
    assert "got (2, 16, 64) from fc1" in finding.message
    assert finding.fix is not None and finding.fix.startswith(
        "set in_features to 64: nn.Linear(64, 4)"
    )


def test_unflattened_input_that_flattens_to_in_features_is_an_error() -> None:
    call = LinearCall((2, 16, 32, 32), (2, 10), CONV, from_feature_map=True)
    finding = only(record("fc", (call,), 16384, 10))
    assert (finding.severity, finding.code) == ("error", "unflattened-input")
    for fact in (
        "fc (Linear 16384->10)",
        "4-D input (2, 16, 32, 32)",
        "from conv (Conv2d)",
        "16*32*32 = 16384",
    ):
        assert fact in finding.message
    assert finding.fix == "insert nn.Flatten() (or x = x.flatten(1)) before fc: 16*32*32 = 16384"


def test_a_product_match_is_an_error_even_without_a_known_feature_map() -> None:
    finding = only(record("fc", (LinearCall((2, 3, 4, 5), (2, 1), INPUT),), 60, 1))
    assert (finding.severity, finding.code) == ("error", "unflattened-input")
    assert "3*4*5 = 60" in finding.message


def test_unflattened_feature_map_of_the_wrong_size_says_what_in_features_to_use() -> None:
    call = LinearCall((2, 16, 8, 8), (2, 10), CONV, from_feature_map=True)
    finding = only(record("fc", (call,), 784, 10))
    assert (finding.severity, finding.code) == ("error", "unflattened-input")
    assert (
        "unflattened feature map (2, 16, 8, 8) from conv (Conv2d); in_features is 784"
        in finding.message
    )
    assert finding.fix == (
        "insert nn.Flatten() (or x = x.flatten(1)) before fc and set in_features to "
        "16*8*8 = 1024: nn.Linear(1024, 10)"
    )


def test_a_linear_that_keeps_a_maps_width_mixes_along_it_on_purpose() -> None:
    # nn.Linear(8, 8) over the width of (2, 16, 8, 8) maps, as sMLP and axial MLPs do
    call = LinearCall((2, 16, 8, 8), (2, 16, 8, 8), Producer("conv", "Conv2d"), True)
    assert diagnose(make_trace(record("mix", (call,), 8, 8)), {}) == ()


def test_a_linear_that_runs_on_a_feature_map_is_a_warning() -> None:
    call = LinearCall((2, 8, 30), (2, 8, 5), Producer("conv", "Conv1d"), from_feature_map=True)
    finding = only(record("fc", (call,), 30, 5))
    assert (finding.severity, finding.code) == ("warning", "unflattened-input")
    assert "runs on an unflattened feature map (2, 8, 30) from conv (Conv1d)" in finding.message
    assert (
        finding.fix is not None
        and "set in_features to 8*30 = 240: nn.Linear(240, 5)" in finding.fix
    )


@pytest.mark.parametrize(
    "producer",
    [
        FC1,
        Producer("embed", "Embedding"),
        Producer("norm", "LayerNorm"),
        Producer("attn", "MultiheadAttention"),
    ],
)
def test_features_on_the_last_axis_of_a_sequence_are_fine(producer: Producer) -> None:
    call = LinearCall((2, 16, 8), (2, 16, 4), producer, from_feature_map=False)
    assert diagnose(make_trace(record("proj", (call,))), {}) == ()


def test_findings_after_a_recovery_say_so() -> None:
    first = record("fc2", (LinearCall((2, 20), (2, 40), FC1),), 30, 40)
    later = record(
        "fc3",
        (LinearCall((2, 40), (2, 60), Producer("fc2", "Linear", (30, 40)), after_recovery=True),),
        50,
        60,
    )
    findings = diagnose(make_trace(first, later), {})
    assert [f.layer for f in findings] == ["fc2", "fc3"]
    assert not findings[0].message.endswith(AFTER_RECOVERY)
    assert findings[1].message.endswith(AFTER_RECOVERY)
    assert "change fc2's out_features to 50: nn.Linear(30, 50)" in (findings[1].fix or "")


def test_a_shared_linear_reports_each_distinct_problem_once() -> None:
    wrong = LinearCall((2, 6), (2, 4), INPUT)
    finding = only(record("shared", (LinearCall((2, 8), (2, 4), INPUT), wrong, wrong)))
    assert "got (2, 6)" in finding.message


def test_a_lazy_linear_that_never_ran_is_not_checked() -> None:
    lazy = record("head", (LinearCall((2, 5), None, INPUT),), in_features=0)
    assert diagnose(make_trace(lazy), {}) == ()


def test_a_linear_never_called_is_a_warning_with_a_fix_and_its_source() -> None:
    finding = only(record("fc", RAN), record("spare", ()), sources={"spare": "net.py:12"})
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


def test_forward_error_and_skipped_layers() -> None:
    failure = ForwardFailure("conv2", "Conv2d", "RuntimeError", "expected input to have 8 channels")
    findings = diagnose(
        make_trace(record("fc1", RAN), record("fc2", ()), failure=failure),
        {"conv2": "m.yaml:3", "fc2": "m.yaml:4"},
    )
    assert [(f.severity, f.code, f.layer, f.source) for f in findings] == [
        ("error", "forward-error", "conv2", "m.yaml:3"),
        ("info", "not-called", "fc2", "m.yaml:4"),
    ]
    error, skipped = findings
    assert error.message == (
        "the forward pass raised RuntimeError in conv2 (Conv2d): expected input to have 8 channels"
    )
    assert "stopped in conv2 first" in skipped.message and skipped.fix is None


def test_forward_error_in_the_models_own_code_points_at_the_line_that_raised() -> None:
    failure = ForwardFailure(
        "(model)", "LeNet", "RuntimeError", "shape '[-1, 1176]' is invalid", location="net.py:19"
    )
    findings = diagnose(make_trace(record("fc", ()), failure=failure), {"fc": "net.py:15"})
    assert [(f.code, f.layer, f.source) for f in findings] == [
        ("forward-error", "(model)", "net.py:19"),
        ("not-called", "fc", "net.py:15"),
    ]
    assert findings[0].message.startswith(
        "the forward pass raised RuntimeError in the model's own forward (LeNet)"
    )
    assert (
        findings[1].message
        == "fc did not run: the forward pass stopped in the model's own forward first"
    )


def test_forward_error_after_a_recovery_says_so() -> None:
    failure = ForwardFailure("conv", "Conv1d", "RuntimeError", "boom", after_recovery=True)
    (finding,) = diagnose(make_trace(record("fc", RAN), failure=failure), {})
    assert finding.message.endswith("boom" + AFTER_RECOVERY)


def test_errors_come_before_warnings() -> None:
    warning = record("a_spare", ())
    error = record("z_wrong", (LinearCall((2, 3), (2, 4), INPUT),))
    assert [f.severity for f in diagnose(make_trace(warning, error), {})] == ["error", "warning"]


def audited(
    weight: Stats,
    out_features: int = 4,
    expected_std: float | None = 0.1,
    *,
    declared: bool = True,
    in_features: int = 8,
) -> tuple[Diagnostic, ...]:
    from linearcli.report import InitAudit, ParamInit

    call = LinearCall((2, in_features), (2, out_features), INPUT)
    row = record("fc", (call,), in_features, out_features)
    init = InitAudit(ParamInit("normal_(std=0.1)", 0.17, expected_std, weight, declared), None)
    return diagnose(make_trace(row), {"fc": "m.yaml:3"}, {"fc": init})


HIDDEN_RAN = (LinearCall((2, 16), (2, 8), INPUT),)
FED_BY_HIDDEN = (LinearCall((2, 8), (2, 1), Producer("hidden", "Linear", (16, 8))),)


def constant(value: float, count: int) -> Stats:
    return Stats(value, value, value, 0.0, count)


def symmetric_findings(
    hidden_bias: Stats | None, *reader_weights: Stats
) -> list[tuple[str, str | None]]:
    hidden = replace(
        record("hidden", HIDDEN_RAN, 16, 8), weight_stats=constant(0.5, 128), bias_stats=hidden_bias
    )
    readers = [
        replace(record(f"out{i}", FED_BY_HIDDEN, 8, 1), weight_stats=w)
        for i, w in enumerate(reader_weights)
    ]
    audits = {r.name: audit(r, None) for r in (hidden, *readers)}
    findings = diagnose(make_trace(hidden, *readers), {"hidden": "m.yaml:3"}, audits)
    return [(f.code, f.layer) for f in findings]


def test_symmetric_init_needs_every_reader_to_weigh_the_units_alike() -> None:
    hidden = replace(
        record("hidden", HIDDEN_RAN, 16, 8),
        weight_stats=constant(0.5, 128),
        bias_stats=constant(0, 8),
    )
    out = replace(record("out", FED_BY_HIDDEN, 8, 1), weight_stats=constant(0.5, 8))
    audits = {
        r.name: InitAudit(ParamInit("constant_(val=0.5)", 0.5, 0.0, r.weight_stats), None)
        for r in (hidden, out)
    }
    (finding,) = diagnose(make_trace(hidden, out), {"hidden": "m.yaml:3"}, audits)
    assert (finding.severity, finding.code, finding.layer, finding.source) == (
        "warning",
        "symmetric-init",
        "hidden",
        "m.yaml:3",
    )
    assert finding.message == (
        "every weight of hidden (Linear 16->8) is 0.5 and every bias 0, and out, which reads "
        "its 8 outputs, weighs them all alike: they start identical, get identical gradients "
        "and so stay identical"
    )
    assert finding.fix is not None and finding.fix.startswith("give hidden's weight a random init")


RANDOM = Stats(-0.3, 0.3, 0.0, 0.17, 8)


@pytest.mark.parametrize(
    ("bias", "readers", "flagged"),
    [
        pytest.param(constant(0.0, 8), (constant(0.1, 8),), True, id="constant-reader"),
        pytest.param(None, (constant(0.1, 8), constant(0.0, 8)), True, id="no-bias-two-readers"),
        pytest.param(constant(0.0, 8), (), False, id="last-layer-zero-head"),
        pytest.param(constant(0.0, 8), (RANDOM,), False, id="random-reader-zero-residual"),
        pytest.param(constant(0.0, 8), (constant(0.1, 8), RANDOM), False, id="one-random-reader"),
        pytest.param(RANDOM, (constant(0.1, 8),), False, id="random-bias-tells-units-apart"),
    ],
)
def test_symmetric_init_only_where_the_units_stay_alike(
    bias: Stats | None, readers: tuple[Stats, ...], flagged: bool
) -> None:
    found = symmetric_findings(bias, *readers)
    assert found == ([("symmetric-init", "hidden")] if flagged else [])


def test_one_output_unit_cannot_be_symmetric() -> None:
    assert audited(constant(0.5, 8), out_features=1, expected_std=0.0) == ()


@pytest.mark.parametrize(
    ("std", "flagged"), [(0.1, False), (0.29, False), (0.31, True), (0.034, False), (0.03, True)]
)
def test_init_outlier_beyond_three_times_the_declared_scheme(std: float, flagged: bool) -> None:
    findings = audited(Stats(-0.17, 0.17, 0.0, std, 32))
    assert [f.code for f in findings] == (["init-outlier"] if flagged else [])
    if flagged:
        assert findings[0].severity == "info"
        assert (
            f"has std {std:.4g}" in findings[0].message
            and "that normal_(std=0.1) implies" in findings[0].message
        )


def test_a_scheme_read_from_the_values_is_no_outlier() -> None:
    assert audited(Stats(-0.17, 0.17, 0.0, 0.03, 32), declared=False) == ()


@pytest.mark.parametrize(("std", "flagged"), [(1.0, True), (0.45, False), (0.05, False)])
def test_init_outlier_where_no_usual_init_draws_that_spread(std: float, flagged: bool) -> None:
    """std x sqrt(in_features) of 10 or more: N(0, 1) weights on 400 inputs multiply the
    spread by 20 at every layer; 0.45 (9x) is Kaiming's upper reaches, not flagged."""
    weight = Stats(-4 * std, 4 * std, 0.0, std, 4000)
    findings = audited(weight, declared=False, in_features=400, expected_std=std)
    assert [f.code for f in findings] == (["init-outlier"] if flagged else [])
    if flagged:
        (finding,) = findings
        assert "multiplies its input's spread by about 20x" in finding.message
        assert finding.fix is not None and "1/sqrt(400) = 0.05" in finding.fix


def test_too_few_values_are_not_an_outlier() -> None:
    assert audited(Stats(-0.17, 0.17, 0.0, 0.01, 15)) == ()


@pytest.mark.parametrize(
    ("weight_bad", "bias_bad", "counted"),
    [
        (1, 0, "1 of the 32 weight values of fc (Linear 8->4) is NaN or infinite"),
        (32, 0, "32 of the 32 weight values of fc (Linear 8->4) are NaN or infinite"),
        (0, 2, "2 of the 4 bias values of fc (Linear 8->4) are NaN or infinite"),
        (3, 1, "3 of the 32 weight values and 1 of the 4 bias values of fc (Linear 8->4) are"),
    ],
)
def test_non_finite_weights_are_an_error_and_end_the_init_audit(
    weight_bad: int, bias_bad: int, counted: str
) -> None:
    nan = float("nan")
    finite = (-0.1, 0.1, 0.0, 0.05)
    weight = (nan,) * 4 if weight_bad else finite
    bias = (nan,) * 4 if bias_bad else finite
    layer = replace(
        record("fc", RAN),
        weight_stats=Stats(*weight, 32, weight_bad),
        bias_stats=Stats(*bias, 4, bias_bad),
    )
    # An audit that, on its own, would call these weights outliers: it is not asked.
    audit = InitAudit(
        ParamInit("default", 0.35, 0.2, layer.weight_stats),
        ParamInit("default", 0.35, 0.2, layer.bias_stats),
    )
    (finding,) = diagnose(make_trace(layer), {"fc": "m.py:3"}, {"fc": audit})
    assert (finding.severity, finding.code, finding.layer) == ("error", "non-finite-weights", "fc")
    assert finding.message.startswith(counted)
    assert finding.source == "m.py:3" and finding.fix and "reset_parameters()" in finding.fix


def test_a_zero_layer_before_a_relu_never_learns() -> None:
    """Weight and bias 0 then ReLU: outputs 0, where ReLU's gradient is 0. With tanh
    (gradient 1 at 0) the next layer's random weights still reach it."""
    zero = replace(
        record("hidden", HIDDEN_RAN, 16, 8),
        weight_stats=constant(0.0, 128),
        bias_stats=constant(0.0, 8),
        rectified=True,
    )
    out = record("out", FED_BY_HIDDEN, 8, 1)
    audits = {r.name: audit(r, None) for r in (zero, out)}
    (finding,) = diagnose(make_trace(zero, out), {}, audits)
    assert (finding.severity, finding.code, finding.layer) == (
        "warning",
        "symmetric-init",
        "hidden",
    )
    assert "and a ReLU takes its outputs: all 8 are 0 or less for every input" in finding.message
    unrectified = replace(zero, rectified=False)
    audits["hidden"] = audit(unrectified, None)
    assert diagnose(make_trace(unrectified, out), {}, audits) == ()


def test_a_reader_guessed_from_code_in_forward_is_no_reader() -> None:
    """head reads x + proj(...): the residual add is code, so proj's reader is a guess."""
    guessed = (
        LinearCall((2, 8), (2, 1), Producer("hidden", "Linear", (16, 8)), False, False, False),
    )
    hidden = replace(
        record("hidden", HIDDEN_RAN, 16, 8),
        weight_stats=constant(0.0, 128),
        bias_stats=constant(0.0, 8),
    )
    head = replace(record("head", guessed, 8, 1), weight_stats=constant(0.0, 8))
    audits = {r.name: audit(r, None) for r in (hidden, head)}
    assert diagnose(make_trace(hidden, head), {}, audits) == ()


def test_a_tied_embeddings_spread_is_no_outlier() -> None:
    """nn.Embedding draws N(0, 1): a head tied to it has that spread on purpose."""
    call = LinearCall((2, 400), (2, 4), INPUT)
    tied = replace(
        record("lm_head", (call,), 400, 4),
        weight_stats=Stats(-4.0, 4.0, 0.0, 1.0, 1600),
        tied_to=("embed",),
    )
    assert diagnose(make_trace(tied), {}, {"lm_head": audit(tied, None)}) == ()
    untied = replace(tied, tied_to=())
    assert [f.code for f in diagnose(make_trace(untied), {}, {"lm_head": audit(untied, None)})] == [
        "init-outlier"
    ]
