"""Run one sample batch through the model and record every linear map it applied.

The pass has two levels of watching, removed when it ends whatever happens:

- ``hooks.py``: hooks on every module: each nn.Linear's calls, the module that made
  each input, a wrong input replaced so the pass goes on, where a failure happened;
- ``ops.py``: a dispatch mode over the tensor operations (except inside torch.nn's own
  layers): which matrix each linear-map operation applied, from which module's forward.

Then ``maps.py`` decides the rows (every nn.Linear, Conv1D-style modules, packed
attention, expert banks, tied heads, quantized and LoRA layers), ``rows.py`` fills each
in, ``stats.py`` reads each weight's values, and ``outputs.py`` every tensor the model
returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

import torch
from torch import nn

from linearcli.memory import meta_inputs, meta_stand_ins
from linearcli.meta_limits import meta_cannot_run
from linearcli.records import ForwardFailure, OpFailure, Trace
from linearcli.restore import attributes_kept, undone_afterwards
from linearcli.trace import maps, ops
from linearcli.trace.batch import batch_dropped, batch_lost
from linearcli.trace.failed_op import FailedOps
from linearcli.trace.hooks import MODEL_INPUT, Recorder
from linearcli.trace.maps import features, numel
from linearcli.trace.outputs import first_tensor, named_tensors, shape
from linearcli.trace.raised import printable
from linearcli.trace.rows import record
from linearcli.trace.samples import samples_mixed
from linearcli.trace.stats import weight_stats

__all__ = ["MODEL_INPUT", "features", "printable", "trace"]


def trace(
    model: nn.Module,
    inputs: tuple[Any, ...],
    keywords: Mapping[str, Any] | None = None,
    *,
    mode: str = "eval",
) -> Trace:
    """The pass. Operations are watched where a model holds a matrix outside nn.Linear
    (``ops.needs_watching``); in a model of plain Linears they are not, and should a
    Linear then not be called in a pass that did not fail, the pass runs again watched,
    so that ``F.linear(x, self.qkv.weight)`` is found and a dead layer is truly dead.
    A Linear that an eval-mode pass neither called nor used runs a train-mode pass too,
    which says whether it is a train-only branch (GoogLeNet's auxiliary heads)."""
    keywords = dict(keywords or {})
    recorder = Recorder(model)
    watching = ops.needs_watching(recorder.named)
    uses, output, failure = _run(model, (inputs, keywords), mode, recorder, watching)
    if (
        not watching
        and failure is None
        and any(id(m) not in recorder.called for _, m in recorder.linears)
    ):
        recorder = Recorder(model)
        uses, output, failure = _run(model, (inputs, keywords), mode, recorder, watching=True)
    repaired: tuple[OpFailure, ...] = ()
    failed = failure is not None and not meta_cannot_run(failure.message)
    if failed or recorder.recovered:
        recorder, uses, output, failure, repaired = _watching_calls(
            model, (inputs, keywords), mode, (recorder, uses, output, failure)
        )
    rows = maps.map_rows(recorder.named, uses.used)
    unused = [m for _, m in recorder.linears if id(m) not in recorder.called]
    unused = [m for m in unused if id(m.weight) not in uses.used]
    # The unused Linears a train-mode pass calls: each neither called nor applied in eval.
    trained: set[int] = set()
    if unused and mode != "train" and failure is None and not repaired:
        trained = _called_in_training(model, (inputs, keywords)) & {id(m) for m in unused}
    stats = iter(weight_stats([p for row in rows for p in (row.weight, row.bias)]))
    holders = defaultdict(list)  # id(parameter) -> the modules holding it as their own
    for name, module in recorder.named:
        for param in maps.own_parameters(module).values():
            holders[id(param)].append(name)
    records = tuple(
        record(
            row,
            recorder,
            (next(stats), next(stats)),
            holders[id(row.weight)],
            uses.sites.get(id(row.weight), ()),
            train_only=id(row.owner) in trained,
        )
        for row in rows
    )
    params = list(model.parameters())
    sized = [(p, numel(p)) for p in params]
    linear: dict[int, torch.Tensor] = {
        id(p): p for _, m in recorder.linears for p in m.parameters()
    }
    # Every row's tensors, each once: parameters, and a quantized Linear's packed values.
    map_tensors = linear | {
        id(p): p for row in rows for p in (row.weight, row.bias) if p is not None
    }
    lost = dropped = mixed = None
    if failure is None and not repaired and mode != "train":
        lost = batch_lost(model, (inputs, keywords), output)
        dropped = batch_dropped(model, (inputs, keywords))
        if lost is None and recorder.unbatched is None:  # with no batch axis, none to mix
            mixed = samples_mixed(model, (inputs, keywords), output)
    return Trace(
        batch_loss=lost,
        batch_drop=dropped,
        samples_mixed=mixed,
        batch_first=tuple(
            (name, bool(m.batch_first)) for name, m in recorder.named if isinstance(m, nn.RNNBase)
        ),
        repaired=repaired,
        unbatched_input=recorder.unbatched,
        linears=records,
        input_shapes=tuple(
            s for s in (shape(x) for x in (*inputs, *keywords.values())) if s is not None
        ),
        output_shape=shape(first_tensor(output)),
        outputs=tuple(named_tensors(output, "")),
        failure=failure,
        params=sum(n for _, n in sized),
        trainable_params=sum(n for p, n in sized if p.requires_grad),
        linear_params=sum(numel(p) for p in linear.values()),
        linear_map_params=sum(numel(p) for p in map_tensors.values()),
        param_bytes=sum(n * p.element_size() for p, n in sized if n),  # n is 0: lazy
        device=str(_device(params, (*inputs, *keywords.values()))),
        dtype=str(
            next((p.dtype for p in params if p.is_floating_point()), torch.float32)
        ).removeprefix("torch."),
    )


_Pass = tuple[Recorder, ops.WeightUses, Any, ForwardFailure | None]


def _watching_calls(
    model: nn.Module, inputs: tuple[tuple[Any, ...], dict[str, Any]], mode: str, first: _Pass
) -> tuple[Recorder, ops.WeightUses, Any, ForwardFailure | None, tuple[OpFailure, ...]]:
    """After a pass that failed, or gave a Linear a wrong input, the pass again with every
    call into torch watched: the call that raised, with what it was given; the calls
    linearcli could give an output to go on with; the call that made each Linear's input.
    Kept unless it failed where the first pass did not."""
    recorder = Recorder(model)
    watch = FailedOps(recorder, model, first[3])
    uses, output, failure = _run(model, inputs, mode, recorder, True, calls=watch)
    if failure is not None and first[3] is None:
        return (*first, ())
    return recorder, uses, output, failure, tuple(watch.repaired)


def _run(
    model: nn.Module,
    inputs: tuple[tuple[Any, ...], dict[str, Any]],
    mode: str,
    recorder: Recorder,
    watching: bool,
    stand_ins: dict[str, torch.Tensor] | None = None,
    calls: FailedOps | None = None,
) -> tuple[ops.WeightUses, Any, ForwardFailure | None]:
    uses = ops.WeightUses(maps.watched(recorder.named) if watching else (), recorder.names)
    quiet = ops.quiet_modules(m for _, m in recorder.named) if watching else []
    # A torch.compile-d model runs eagerly: the same shapes, and no compiling of
    # linearcli's own hooks (which takes seconds, warns, and breaks graphs).
    with (
        undone_afterwards(model),
        torch.compiler.set_stance("force_eager"),
        calls if calls is not None else nullcontext(),
        uses.quiet_inside(quiet) if watching else nullcontext(),
    ):
        output, failure = recorder.run(
            model, *inputs, training=mode == "train", stand_ins=stand_ins
        )
    return uses, output, failure


def _called_in_training(
    model: nn.Module, inputs: tuple[tuple[Any, ...], dict[str, Any]]
) -> set[int]:
    """The modules a train-mode pass calls. It runs on meta stand-ins for every parameter
    and buffer (torch.func.functional_call), so what training code writes (a parameter
    scaled in place, BatchNorm's statistics) lands on them, not on the model; the
    attributes it sets (a step counter, a kept tensor) are put back, and modes, hooks and random
    generators are restored as after every pass. Not run while a lazy module awaits its
    first call, which would materialise it, or where a tensor has no meta twin. Nothing,
    if it fails (a BatchNorm given a batch of one, an .item() the meta device cannot
    answer)."""
    stand_ins = meta_stand_ins(model)
    if stand_ins is None:
        return set()
    recorder = Recorder(model)
    with attributes_kept(model):
        _, _, failure = _run(model, meta_inputs(inputs), "train", recorder, False, stand_ins)
    return set() if failure is not None else set(recorder.called)


def _device(params: Sequence[torch.Tensor], inputs: tuple[Any, ...]) -> torch.device:
    for tensor in [*params, *inputs]:
        if isinstance(tensor, torch.Tensor):
            return tensor.device
    return torch.device("cpu")
