"""Every code a ``check`` run can report, and its findings as one flat list.

The catalogue is what machine-readable formats (SARIF's rules) describe; ``findings``
puts a spec that could not be checked in the same list as the findings of the others,
under its failure code, so every format counts it the same way. No torch here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from linearcli.check_result import CheckResult, FileResult
from linearcli.report import Severity

FINDINGS_PAGE = "https://github.com/linearcli/linearcli/blob/main/docs/findings.md"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity  # the usual one; a finding can carry another (not-called: info)
    summary: str
    description: str

    @property
    def help_uri(self) -> str:
        """Its section of docs/findings.md, with a worked example."""
        return f"{FINDINGS_PAGE}#{self.code}"


RULES: tuple[Rule, ...] = (
    Rule(
        "in-features-mismatch",
        "error",
        "A Linear's input does not have in_features features on its last axis.",
        "A Linear's input has a last axis other than its in_features. The finding names "
        "both shapes and the module that decided the input's size; the fix gives both ways "
        "out with numbers: the Linear's in_features, or that module's out_features.",
    ),
    Rule(
        "unflattened-input",
        "error",
        "A Linear gets a convolution or pooling feature map that was not flattened.",
        "A Linear gets a 3-D or larger input whose axes after the batch multiply to its "
        "in_features, or that comes straight from a convolution or pooling layer (an error "
        "when the last axis does not fit; a warning when it runs but mixes only the last "
        "axis). The fix inserts nn.Flatten(), with the flattened size.",
    ),
    Rule(
        "forward-error",
        "error",
        "The forward pass raised an exception outside a Linear's input check.",
        "Anything else raised during the forward pass (a Conv2d with the wrong in_channels, "
        "a bad reshape, an assertion in the model's code), reported against the innermost "
        "module that was running, with the exception type and PyTorch's own message.",
    ),
    Rule(
        "view-size",
        "error",
        "A view or reshape asks for sizes its input cannot hold.",
        "A view() or reshape() whose sizes do not multiply to what its input holds, or a "
        "view() of a tensor a transpose left non-contiguous. The finding gives the input's "
        "shape, the values each sample holds, and the size that fits (x.view(x.size(0), -1), "
        "or the one axis to change); linearcli goes on with that size, so the layers after "
        "it are checked in the same run.",
    ),
    Rule(
        "transposed-weight",
        "error",
        "A weight is applied or stored the wrong way round, (in, out) for (out, in).",
        "F.linear and nn.Linear need a weight stored (out_features, in_features). A weight "
        "kept (in, out) (a Keras kernel assigned as it is, a hand-written layer), x @ W on "
        "an nn.Linear's weight, or F.linear with its input and weight swapped: the finding "
        "names the parameter, the line that made or used it, and the transpose that fixes it.",
    ),
    Rule(
        "channels-mismatch",
        "error",
        "A convolution or norm gets another number of channels than it was built for.",
        "A convolution's or BatchNorm's input has another size on the channel axis (axis 1) "
        "than the layer's in_channels or num_features. Where the right size sits on the last "
        "axis (channels-last data) the fix moves it; where the module that made the input "
        "is known, the fix names both ways out with numbers: that module's out_channels, or "
        "this layer's in_channels.",
    ),
    Rule(
        "checkpoint-mismatch",
        "error",
        "A checkpoint's parameter has another shape than the model's.",
        "load_state_dict in a Python spec (or --weights FILE) found a parameter whose shape "
        "in the checkpoint differs from the model's: one finding per parameter, with both "
        "shapes and the layer that would load the checkpoint as it is. The rest of the "
        "model is still inspected.",
    ),
    Rule(
        "not-called",
        "warning",
        "A Linear never ran in the forward pass.",
        "A Linear that the sample batch never reached: dead code, or a layer the forward() "
        "forgets to call (a warning). When the forward pass failed before the layer's turn "
        "it is only a note.",
    ),
    Rule(
        "batch-axis",
        "warning",
        "The batch axis was lost: missing from the input, flattened away, or mixed.",
        "An error where a Linear got the wrong size because the batch axis was lost: the "
        "model's input has none (a convolution or an LSTM took it as one unbatched sample; "
        "fix: x.unsqueeze(0) where the input is made), or torch.flatten(x) without "
        "start_dim made one vector of batch x features (fix: torch.flatten(x, 1)); or an "
        "RNN given an initial state sized for another batch (fix: size it with x.size(0)). "
        "A warning where nothing raised but the samples are mixed, folded or lost: a "
        "reshape whose rows are not one sample's each (x.view(-1, 320) on maps of 400 "
        "values; RGB images into an MLP for grey ones), found by a second look on meta with "
        "twice the batch; a reduction over the batch, or an LSTM reading the batch as time, "
        "found on values by changing one sample; a squeeze() without an axis that takes a "
        "batch of one; a model's only input without a batch axis. linearcli takes the "
        "input's first axis as the batch; the value check is not asked of an input whose "
        "first axis is the longer (it may be time-major).",
    ),
    Rule(
        "train-only",
        "info",
        "A Linear runs only in training mode.",
        "A Linear that the eval-mode pass never reached but a train-mode pass did, such as "
        "an auxiliary classifier (GoogLeNet, Inception) that the forward() calls only when "
        "self.training. It has no shapes in the report; --mode train shows them.",
    ),
    Rule(
        "non-finite-weights",
        "error",
        "A Linear's weight or bias holds NaN or infinite values.",
        "Some of a Linear's weight or bias values are NaN or infinite (a bad checkpoint, an "
        "init that divides by zero, a diverged training step): every output unit that reads "
        "one is NaN or infinite for any input. The finding counts them; JSON reports their "
        "statistics as null, since JSON has no NaN.",
    ),
    Rule(
        "symmetric-init",
        "warning",
        "Every weight of a Linear starts at the same value.",
        "Every weight of a Linear with more than one output is one value, its bias one value "
        "(or none), and every layer reading its outputs has one value for all its weights: "
        "its units compute the same, get identical gradients and stay identical. A constant "
        "last layer, a zero LoRA B or a zeroed residual projection is not a finding: the "
        "loss or a random layer after it gives each unit its own gradient. Also all-zero "
        "weights (bias 0 or less) before a ReLU: no gradient ever reaches them.",
    ),
    Rule(
        "init-outlier",
        "info",
        "A Linear's weights are spread far wider or narrower than their init implies.",
        "The standard deviation of a Linear's weight or bias is more than 3 times (or less "
        "than a third of) what the spec's init: scheme implies; or the weight multiplies its "
        "input's spread by 10 or more (root mean square x sqrt(in_features)), which no "
        "usual init does.",
    ),
    Rule(
        "meta-fallback",
        "info",
        "The model was inspected on the meta device.",
        "The model and its sample batch need more memory than the budget (--max-memory), so "
        "they were inspected on the meta device: shapes, counts and findings are exact, but "
        "there are no weight values.",
    ),
    Rule(
        "meta-unchecked",
        "info",
        "On the meta device the forward pass stopped where the model needs real values.",
        "A pass on the meta device (--device meta, or a model over the memory budget) "
        "stopped where the model needs values the meta device does not have (.item() in "
        "mask code, a copy to the CPU, an operator without a meta kernel): not a shape "
        "mistake. The finding says where, and how many linear maps after it were not "
        "checked; the shapes before it and every parameter count were. Inspect on real "
        "values (--device cpu) to check the rest.",
    ),
    Rule(
        "unused-suppression",
        "warning",
        "A suppression comment suppresses nothing.",
        "A '# linearcli: ignore[CODE]' or '# noqa: CODE' comment on a line that linearcli "
        "reports on names a code that has no finding there, or a code linearcli does not "
        "have: remove it (or the code), so that it cannot hide a future finding.",
    ),
    Rule(
        "spec-error",
        "error",
        "The spec could not be read, so it was not checked.",
        "A missing file, invalid YAML, an unknown layer type or key, a Python file that "
        "raises on import or defines no model, or a bad option: the spec was not checked.",
    ),
    Rule(
        "build-error",
        "error",
        "The model or its sample batch could not be built, so the spec was not checked.",
        "The spec is well formed, but the model could not be made (bad constructor "
        "arguments, an unavailable device) or no sample batch fits it: it was not checked.",
    ),
)

RULE_INDEX = {rule.code: index for index, rule in enumerate(RULES)}
# The codes of a spec that could not be checked (a LinearcliError), not of findings.
FAILURE_CODES = ("spec-error", "build-error")
# Every code a report's findings can carry: what --select, --ignore and noqa may name.
FINDING_CODES = tuple(rule.code for rule in RULES if rule.code not in FAILURE_CODES)


@dataclass(frozen=True)
class Finding:
    """A diagnostic, or a spec that could not be checked, with the spec it came from."""

    spec: str
    severity: Severity
    code: str
    layer: str | None
    message: str
    fix: str | None
    source: str | None
    checked: bool = True  # False: the spec could not be checked; code says why

    @property
    def location(self) -> str:
        """``path:line`` or ``path`` (the spec's own when the finding has no source)."""
        return self.source or self.spec


def findings(result: CheckResult) -> Iterator[Finding]:
    """Every finding of a run, file by file; a file not checked is one error finding."""
    for file in result.files:
        yield from file_findings(file)


def file_findings(file: FileResult) -> Iterator[Finding]:
    if file.report is not None:
        for d in file.report.diagnostics:
            yield Finding(file.spec, d.severity, d.code, d.layer, d.message, d.fix, d.source)
    elif file.failure is not None:
        failure = file.failure
        yield Finding(
            file.spec, "error", failure.code, None, failure.message, None, failure.source, False
        )


def split_location(location: str) -> tuple[str, int | None]:
    """``path:12`` -> (path, 12); ``path`` -> (path, None). Lines start at 1."""
    path, separator, line = location.rpartition(":")
    if separator and line.isdigit() and line.isascii() and int(line) > 0:
        return path, int(line)
    return location, None
