"""The one flow: spec -> build -> trace -> diagnose -> report. CLI and API both call it.

torch is imported inside the functions, so importing linearcli stays fast.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from linearcli.audit import audit
from linearcli.checkpoint import checkpoint_findings
from linearcli.diagnose import diagnose
from linearcli.fix.edits import with_edits
from linearcli.options import Mode, RunOptions
from linearcli.records import INPUT_NAME, LINEAR
from linearcli.report import Diagnostic, InitAudit, LayerReport, Report, Status, Totals
from linearcli.selection import layer_status
from linearcli.spec import LayerInit, load_spec

if TYPE_CHECKING:
    from torch import nn

    from linearcli.records import LinearCall, LinearRecord


def inspect_spec(reference: str, options: RunOptions | None = None) -> Report:
    """Read a spec (``model.yaml``, ``model.py[:NAME]``), build it and inspect it."""
    spec = load_spec(reference)
    from linearcli.build import build

    built = build(spec, options or RunOptions())
    report = _inspect(
        built.model,
        built.inputs,
        built.keywords,
        spec=reference,
        sources=built.sources,
        inits=built.inits,
        mode=(options or RunOptions()).mode,
        found_building=checkpoint_findings(built.checkpoint, built.sources),
        input_written=INPUT_NAME in built.sources,
    )
    notes = tuple(Diagnostic("info", "meta-fallback", None, note) for note in built.notes)
    report = replace(report, diagnostics=report.diagnostics + notes) if notes else report
    return with_edits(report, spec.path)


def inspect_model(
    model: nn.Module,
    *inputs: Any,
    spec: str | None = None,
    sources: Mapping[str, str] | None = None,
    inits: Mapping[str, LayerInit] | None = None,
    mode: Mode = "eval",
    **keywords: Any,
) -> Report:
    """Run ``model(*inputs, **keywords)`` once and report every linear map it holds.

    Keyword arguments other than linearcli's own four go to the model's forward, as a
    Hugging Face model takes its inputs: ``inspect_model(model, input_ids=ids,
    attention_mask=mask)``. (A forward keyword named ``spec``, ``sources``, ``inits`` or
    ``mode``, and for assert_shapes ``strict``, goes in a Python spec's ``example_input``
    dict instead, or through functools.partial.)

    ``mode``: the pass runs in eval mode (dropout off, BatchNorm's running statistics),
    or in train mode, as torchinfo's ``mode`` does; either way without gradients.
    The model is left as it was found: same device, same train/eval mode of every module,
    same parameter and buffer values (a train-mode pass's BatchNorm updates and random
    numbers are undone), no hooks. (A LazyLinear that runs is materialised: that is what
    running it means.)
    """
    return _inspect(model, inputs, keywords, spec=spec, sources=sources, inits=inits, mode=mode)


def _inspect(
    model: nn.Module,
    inputs: tuple[Any, ...],
    keywords: Mapping[str, Any],
    *,
    spec: str | None,
    sources: Mapping[str, str] | None,
    inits: Mapping[str, LayerInit] | None,
    mode: Mode,
    found_building: tuple[Diagnostic, ...] = (),
    input_written: bool = True,
) -> Report:
    """``found_building``: findings made before the pass (a checkpoint that did not fit),
    which count in the layers' statuses like the pass's own. ``input_written``: the user
    made the inputs (inspect_model's arguments, a spec's example_input), not linearcli."""
    if mode not in ("eval", "train"):
        raise ValueError(f"mode must be 'eval' or 'train', not {mode!r}")
    from linearcli.trace import trace

    recorded = trace(model, inputs, keywords, mode=mode)
    element_sizes = _element_sizes(model, recorded.dtype)
    sources = sources or {}
    audits = {r.name: audit(r, (inits or {}).get(r.name)) for r in recorded.linears}
    diagnostics = found_building + diagnose(recorded, sources, audits, input_written=input_written)
    findings: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.layer is not None:
            findings[diagnostic.layer].append(diagnostic)
    layers = tuple(
        _layer_report(
            r,
            layer_status(findings[r.name]),
            sources,
            audits[r.name],
            _costs(r, element_sizes.get(r.name, element_sizes[None]), recorded.params),
        )
        for r in recorded.linears
    )
    return Report(
        spec=spec,
        device=recorded.device,
        dtype=recorded.dtype,
        inputs=recorded.input_shapes,
        output_shape=recorded.output_shape,
        outputs=recorded.outputs,
        layers=layers,
        totals=Totals(
            linear_layers=sum(1 for r in recorded.linears if r.kind == LINEAR),
            linear_params=recorded.linear_params,
            linear_maps=len(recorded.linears),
            linear_map_params=recorded.linear_map_params,
            params=recorded.params,
            trainable_params=recorded.trainable_params,
            param_bytes=recorded.param_bytes,
            mult_adds=sum(layer.mult_adds for layer in layers),
        ),
        diagnostics=diagnostics,
    )


def assert_shapes(model: nn.Module, *inputs: Any, strict: bool = False, **keywords: Any) -> Report:
    """Fail a test with every finding if ``model(*inputs, **keywords)`` has a shape error.

    Raises AssertionError listing the findings (warnings too with ``strict``); returns
    the report when there is nothing to fail on. Like :func:`inspect_model`, it leaves
    the model as it found it.
    """
    report = _inspect(model, inputs, keywords, spec=None, sources=None, inits=None, mode="eval")
    if report.failed(strict=strict):
        from linearcli.lines import finding_lines

        where = type(model).__name__
        lines = "\n".join(f"  {line}" for line in finding_lines(report, where))
        raise AssertionError(f"linearcli found shape problems in {where}:\n{lines}")
    return report


def _layer_report(
    record: LinearRecord,
    status: Status,
    sources: Mapping[str, str],
    init: InitAudit,
    costs: Mapping[str, Any],
) -> LayerReport:
    # status: from the layer's findings (layer_status), so --select/--ignore and
    # suppression comments recompute it the same way; a not-called layer has its finding.
    first = record.calls[0] if record.calls else None
    return LayerReport(
        name=record.name,
        type=record.type_name,
        in_features=record.in_features,
        out_features=record.out_features,
        weight_shape=record.weight_shape,
        stored_shape=record.stored_shape,
        tied_to=record.tied_to,
        adapters=record.adapters,
        uses=record.uses,
        weight_layout="(in, out)" if record.stored_in_out else "(out, in)",
        kind=record.kind,
        bias_shape=record.bias_shape,
        params=record.params,
        init_bound=(
            1 / math.sqrt(record.in_features)
            if record.in_features > 0 and record.kind == LINEAR
            else None
        ),
        weight_range=(
            (record.weight_stats.min, record.weight_stats.max) if record.weight_stats else None
        ),
        calls=len(record.calls),
        input_shape=first.input_shape if first else None,
        output_shape=first.output_shape if first else None,
        status=status,
        source=sources.get(record.module),
        used_by=record.used_by,
        init=init,
        input_from=_input_from(first),
        **costs,
    )


def _input_from(call: LinearCall | None) -> str | None:
    if call is None or call.producer is None:
        return None
    return call.producer.name if call.producer.name is not None else INPUT_NAME


def _costs(record: LinearRecord, element_size: int, model_params: int) -> dict[str, Any]:
    """torchinfo's columns, from the shapes every call actually returned.

    A call's mult-adds are prod(leading axes) * in_features * out_features: the matmul
    torch's FlopCounterMode counts (its FLOPs are twice these); the bias adds are not
    multiply-adds. A call that raised counts nothing; one whose wrong input linearcli
    replaced counts what ran on the replacement, the call the fixed model would make.
    """
    outputs = [call.output_shape for call in record.calls if call.output_shape is not None]
    features = record.in_features * record.out_features
    return {
        "mult_adds": sum(math.prod(shape[:-1]) * features for shape in outputs if shape),
        "output_bytes": sum(math.prod(shape) for shape in outputs) * element_size,
        "params_percent": 100 * record.params / model_params if model_params else 0.0,
    }


def _element_sizes(model: nn.Module, dtype: str) -> dict[str | None, int]:
    """Each Linear's output element size (its weight's dtype); None: the model's dtype."""
    import torch
    from torch import nn

    from linearcli.records import ROOT_NAME

    sizes: dict[str | None, int] = {None: getattr(torch, dtype, torch.float32).itemsize}
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(module, nn.Linear) and isinstance(weight, torch.Tensor):
            sizes[name or ROOT_NAME] = weight.dtype.itemsize
    return sizes
