"""What each weight's values are: minimum, maximum, mean, deviation, non-finite count."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import cast

import torch
from torch.nn.parameter import is_lazy

from linearcli.records import Stats

_BATCH_BYTES = 64 * 2**20


def weight_stats(params: Sequence[torch.Tensor | None]) -> list[Stats | None]:
    """Each parameter's observed values; none on meta or before a lazy module has run.

    Parameters of one shape (q, k, v and out in every block) are stacked and reduced
    together, so 500 Linears cost a few reductions instead of thousands; a batch's
    copies take about 64 MiB at most. The std is computed in two passes (mean, then the
    norm of the deviations) in float32 or better: exact to about 1e-7, and far faster
    than a one-pass std. NaN and inf values are counted. Complex weights are described by
    their real part.
    """
    found: list[Stats | None] = [None] * len(params)
    groups: dict[tuple[torch.Size, torch.dtype, torch.device], list[int]] = defaultdict(list)
    for i, param in enumerate(params):
        if param is not None and not is_lazy(param) and not param.is_meta and param.numel():
            groups[(param.shape, param.dtype, param.device)].append(i)
    with torch.no_grad():
        for (shape, _, _), members in groups.items():
            count = math.prod(shape)
            per_batch = max(1, _BATCH_BYTES // (8 * count))
            for start in range(0, len(members), per_batch):
                batch = members[start : start + per_batch]
                tensors = [cast(torch.Tensor, params[i]) for i in batch]
                values = torch.stack(tensors) if len(tensors) > 1 else tensors[0][None]
                values = values.reshape(len(batch), count)
                values = values.real if values.is_complex() else values  # as before: no order
                values = values.to(torch.promote_types(values.dtype, torch.float32))
                mean = values.mean(dim=1, keepdim=True)
                spread = torch.linalg.vector_norm(values - mean, dim=1)
                std = spread / math.sqrt(max(count - 1, 1))
                columns = (values.amin(dim=1), values.amax(dim=1), mean.squeeze(1), std)
                rows = torch.stack(columns, dim=1).tolist()  # one sync on a GPU
                for j, (i, (low, high, mean_, std_)) in enumerate(zip(batch, rows, strict=True)):
                    # NaN and inf reach amin/amax, so the count is asked for only then.
                    bad = 0 if math.isfinite(low + high) else int((~values[j].isfinite()).sum())
                    found[i] = Stats(low, high, mean_, std_, count, bad)
    return found
