"""Pure functions: trace records -> findings, each with the numbers of its fix.

No torch here, only recorded facts, so every rule is tested on hand-made records.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from dataclasses import replace

from linearcli.batch_axis import batch_axis, dropped, mixed, no_batch_axis, state_batch
from linearcli.call_checks import AFTER_RECOVERY, Context, check_call
from linearcli.code_text import statement
from linearcli.init_checks import check_init, check_values, layer_words, readers_of
from linearcli.meta_limits import meta_cannot_run
from linearcli.op_fixes import op_finding
from linearcli.records import (
    INPUT_NAME,
    LINEAR,
    ROOT_NAME,
    ForwardFailure,
    LinearCall,
    LinearRecord,
    OpFailure,
    Trace,
    size_key,
)
from linearcli.report import Diagnostic, InitAudit, format_shape

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def diagnose(
    trace: Trace,
    sources: Mapping[str, str],
    audits: Mapping[str, InitAudit] | None = None,
    *,
    input_written: bool = False,
) -> tuple[Diagnostic, ...]:
    """Every finding of the pass. ``input_written``: the user made the input (an
    ``example_input``, inspect_model's arguments), not linearcli from a shape."""
    # The operations that raised first: the layers after them were checked on their fix.
    # (A call repeated in a loop or in every block of a stack is one finding.)
    first: dict[object, OpFailure] = {}
    for op in trace.repaired:
        first.setdefault((op.line, op.op, op.shapes, op.sizes), op)
    findings = [op_finding(op, sources) or _raised(op) for op in first.values()]
    readers = readers_of(trace)
    batch = trace.input_shapes[0][0] if trace.input_shapes and trace.input_shapes[0] else None
    for record in trace.linears:
        # Another module's call is not checked here: its input is whatever its forward
        # takes (it may flatten or reshape first), and the matrix it applied fit.
        checked = record.calls if record.kind == LINEAR else ()
        line = sources.get(record.module)
        size_line = sources.get(size_key(record.module)) or line
        context = Context(
            batch,
            trace.unbatched_input,
            sources.get(INPUT_NAME),
            input_written,
            line,
            size_line,
            guessed=bool(trace.repaired),
        )
        found = ((check_call(record, call, context), call) for call in checked)
        findings.extend(_unique(_traced(f, record, c, context, sources) for f, c in found))
        broken = check_values(record)
        if broken is not None:
            findings.append(_at(broken, sources.get(record.module)))
        elif audits and record.name in audits:
            for finding in check_init(record, audits[record.name], readers.get(record.name, [])):
                findings.append(_at(finding, sources.get(record.module)))
        if not record.calls and record.used_by is None:
            findings.append(_at(_not_called(record, trace), sources.get(record.module)))
    if trace.batch_loss is not None:
        findings.extend(batch_axis(trace.batch_loss, trace.linears, sources))
    if trace.batch_drop is not None:
        findings.append(dropped(trace.batch_drop))
    if trace.samples_mixed is not None:
        findings.append(mixed(trace.samples_mixed, dict(trace.batch_first), sources))
    # Of a model with one input: a side input (a shared condition vector, a time step) may
    # be unbatched on purpose.
    unbatched = trace.unbatched_input
    if unbatched is not None and trace.failure is None and len(trace.input_shapes) == 1:
        if not any(f.code == "batch-axis" for f in findings):  # not said already
            line = sources.get(INPUT_NAME)
            findings.append(no_batch_axis(unbatched, trace.input_shapes[0], line))
    if trace.failure is not None and _meta_limit(trace):
        # before the not-called infos it explains
        findings.insert(0, _meta_unchecked(trace, trace.failure, sources))
    failure = trace.failure
    if failure is not None and not _meta_limit(trace):
        explained = op_finding(failure.op, sources) if failure.op is not None else None
        if failure.state is not None:
            explained = state_batch(failure.module, failure.state)
        if explained is not None:
            findings.append(replace(explained, traceback=failure.traceback or None))
        else:
            message = (
                f"the forward pass raised {failure.exception_type} in {_where(failure)} "
                f"({failure.module_type})" + (f": {failure.message}" if failure.message else "")
            )
            findings.append(
                Diagnostic(
                    severity="error",
                    code="forward-error",
                    layer=failure.module,
                    message=message + (AFTER_RECOVERY if failure.after_recovery else ""),
                    # the module's own line; else the line in user code that raised
                    source=sources.get(failure.module) or failure.location,
                    traceback=failure.traceback or None,
                )
            )
    return tuple(sorted(findings, key=lambda d: SEVERITY_ORDER[d.severity]))


def _raised(op: OpFailure) -> Diagnostic:
    message = f"{op.op} raised: {op.message}"
    return Diagnostic("error", "forward-error", op.module, message, None, op.line)


def _meta_limit(trace: Trace) -> bool:
    failure = trace.failure
    return failure is not None and trace.device == "meta" and meta_cannot_run(failure.message)


def _meta_unchecked(
    trace: Trace, failure: ForwardFailure, sources: Mapping[str, str]
) -> Diagnostic:
    """A meta pass that stopped where the model needs values: what it did establish (the
    layers before, every parameter count) and what it could not check, without an error."""
    unchecked = sum(1 for r in trace.linears if not r.calls and r.used_by is None)
    maps = (
        "the 1 linear map that had not run by then was"
        if unchecked == 1
        else f"the {unchecked} linear maps that had not run by then were"
    )
    message = (
        f"on the meta device the forward pass stopped in {_where(failure)} "
        f"({failure.module_type}): {failure.message.rstrip('.')}. The model needs real values "
        f"there (or an operator the meta device lacks): not a shape mistake, but {maps} "
        "not checked; the shapes before it and every parameter count were"
    )
    return Diagnostic(
        severity="info",
        code="meta-unchecked",
        layer=failure.module,
        message=message,
        fix="inspect it on real values (--device cpu, or cuda) to check the rest",
        source=sources.get(failure.module) or failure.location,
        traceback=failure.traceback or None,
    )


def _not_called(record: LinearRecord, trace: Trace) -> Diagnostic:
    if trace.failure is not None and _meta_limit(trace):
        message = (
            f"{record.name} was not checked: on the meta device the forward pass stopped in "
            f"{_where(trace.failure)} first, where the model needs real values"
        )
        return Diagnostic("info", "not-called", record.name, message)
    if trace.failure is not None:
        # Not dead code: the failure stopped the pass before this layer's turn.
        message = (
            f"{record.name} did not run: the forward pass stopped in {_where(trace.failure)} first"
        )
        return Diagnostic("info", "not-called", record.name, message)
    if trace.repaired:
        # The pass ran to its end only past the mistakes linearcli corrected: whether a
        # train-mode pass would call this layer was not asked.
        message = (
            f"{record.name} did not run in the pass, which went on past the mistakes above: "
            "dead code, or a branch this pass did not take (a train-only head)"
        )
        return Diagnostic("info", "not-called", record.name, message)
    if record.train_only:
        message = (
            f"{layer_words(record)} runs only in training mode: the eval-mode pass skipped it "
            "and a train-mode pass called it (an auxiliary head?); --mode train shows its shapes"
        )
        return Diagnostic("info", "train-only", record.name, message)
    message = f"{layer_words(record)} is never called by the forward pass"
    fix = f"call {attribute(record.name)} in forward(), or delete it ({record.params:,} parameters)"
    return Diagnostic("warning", "not-called", record.name, message, fix)


def attribute(name: str) -> str:
    """A module's qualified name as Python reaches it from ``self``: ``features.1.0.attn``
    is ``self.features[1][0].attn`` (a Sequential's or ModuleList's index), a ModuleDict
    key that is not a name is ``['key']``, and a keyword is ``getattr(self, 'lambda')``."""
    path = "self"
    for part in name.split("."):
        if part.isdigit():
            path += f"[{part}]"
        elif part.isidentifier() and not keyword.iskeyword(part):
            path += f".{part}"
        elif part.isidentifier():
            path = f"getattr({path}, {part!r})"
        else:
            path += f"[{part!r}]"
    return path


def _where(failure: ForwardFailure) -> str:
    return "the model's own forward" if failure.module == ROOT_NAME else failure.module


def _unique(findings: Iterator[Diagnostic | None]) -> Iterator[Diagnostic]:
    """A shared Linear called many times with the same wrong input is one finding."""
    seen: set[tuple[str, str]] = set()
    for finding in findings:
        if finding is not None and (finding.code, finding.message) not in seen:
            seen.add((finding.code, finding.message))
            yield finding


def _traced(
    finding: Diagnostic | None,
    record: LinearRecord,
    call: LinearCall,
    context: Context,
    sources: Mapping[str, str],
) -> Diagnostic | None:
    """The path behind a Linear's finding: where its input was made (a module, or a call in
    forward()), where the Linear was made, where its in_features was passed."""
    if finding is None:
        return None
    made, producer = call.made, call.producer
    shape = format_shape(call.input_shape or ())
    if call.producer_exact and producer is not None and producer.name is not None:
        source = sources.get(size_key(producer.name)) or sources.get(producer.name)
        what = f"its input {shape} comes from {producer.describe()}"
        made_at = (source, what) if source else None
    elif made is not None and made.line is not None and made.code:
        made_at = (made.line, f"its input {shape} is made: `{statement(made.code)}`")
    else:
        made_at = None
    steps = [
        made_at,
        (context.line, f"{record.name} is made") if context.line else None,
        (context.size_line, f"{record.name}'s in_features is passed")
        if context.size_line and context.size_line != context.line
        else None,
    ]
    return replace(finding, trace=tuple(step for step in steps if step is not None))


def _at(finding: Diagnostic, source: str | None) -> Diagnostic:
    return replace(finding, source=source)
