"""Reading a --weights file without running any of its code, and loading what fits.

A ``.pt``/``.pth``/``.bin`` file goes through ``torch.load(weights_only=True)``, which
refuses anything but tensors and plain containers; a ``.safetensors`` file is an 8-byte
little-endian header length, a JSON header (names, dtypes, shapes, byte offsets) and the
raw values, read here directly. Either must be a flat state dict of tensors. It is
compared with the model by name; what fits is loaded (values cast to the model's).
"""

from __future__ import annotations

import json
import math
import pickle
import zipfile
from pathlib import Path

import torch
from torch import nn

from linearcli.errors import BuildError, SpecError
from linearcli.loads import FileLoad, size_mismatches
from linearcli.pymodel import describe

TORCH_SUFFIXES = (".pt", ".pth", ".bin")
SAFETENSORS_SUFFIX = ".safetensors"
DATA_PARALLEL = "module."  # what nn.DataParallel and DDP put before every name
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' own limit
_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F8_E4M3": torch.float8_e4m3fn,
    "F8_E5M2": torch.float8_e5m2,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def load_weights(model: nn.Module, path: str) -> FileLoad:
    """Compare the file with the model by name and load what fits: values only where
    the model has them (for a model on meta, nothing but shapes is read)."""
    own = model.state_dict(keep_vars=True)
    tensors = read_weights(path, values=not all(t.is_meta for t in own.values()))
    if all(k.startswith(DATA_PARALLEL) for k in tensors) and not all(
        k.startswith(DATA_PARALLEL) for k in own
    ):
        tensors = {k.removeprefix(DATA_PARALLEL): v for k, v in tensors.items()}
    found = size_mismatches(own, tensors)
    fitting = {
        k: (v.to("meta") if k in own and own[k].is_meta else v)
        for k, v in tensors.items()
        if k not in found
    }
    try:
        result = model.load_state_dict(fitting, strict=False)
    except RuntimeError as exc:
        raise BuildError(f"loading it into the model raised {describe(exc)}", path=path) from None
    return FileLoad(
        path,
        found,
        tuple(k for k in result.missing_keys if k not in found),
        tuple(result.unexpected_keys),
        len(own),
    )


def read_weights(path: str, *, values: bool) -> dict[str, torch.Tensor]:
    """name -> tensor; on the meta device (shapes and dtypes, no values) unless ``values``."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (*TORCH_SUFFIXES, SAFETENSORS_SUFFIX):
        raise SpecError(
            "--weights takes a state dict saved by torch.save (.pt, .pth, .bin) or a "
            ".safetensors file",
            path=path,
        )
    if not file.is_file():
        raise SpecError("no such weights file", path=path)
    if suffix == SAFETENSORS_SUFFIX:
        return _safetensors(file, path, values=values)
    return _state_dict(file, path, values=values)


def _state_dict(file: Path, path: str, *, values: bool) -> dict[str, torch.Tensor]:
    try:
        loaded = torch.load(
            file,
            map_location="cpu" if values else "meta",
            weights_only=True,
            mmap=values and zipfile.is_zipfile(file),  # values read as they are copied
        )
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "GLOBAL" in text:  # a class or function to call: what weights_only never runs
            raise SpecError(
                "holds Python objects other than tensors, which linearcli does not run "
                "(torch.load(weights_only=True) refused it); save model.state_dict() instead",
                path=path,
            ) from None
        # torch's own words after its advice, else the first line ("invalid load key")
        _, _, detail = text.partition("WeightsUnpickler error:")
        reason = detail.strip().splitlines()[0] if detail.strip() else describe(exc)
        raise SpecError(f"not a file torch.save wrote ({reason})", path=path) from None
    except Exception as exc:
        raise SpecError(f"not a file torch.save wrote: {describe(exc)}", path=path) from None
    if not isinstance(loaded, dict):
        raise SpecError(
            f"holds a {type(loaded).__name__}, not a state dict of tensors: save "
            "model.state_dict()",
            path=path,
        )
    if not loaded:
        raise SpecError("holds an empty dict: no tensors to compare", path=path)
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()):
        inner = [k for k, v in loaded.items() if isinstance(v, dict) and v]
        hint = f" (its {inner[0]!r} entry may be one)" if inner else ""
        keys = ", ".join(repr(k) for k in list(loaded)[:6])
        raise SpecError(
            f"holds a dict of {keys}, not a state dict of tensors: save "
            f"model.state_dict() alone{hint}",
            path=path,
        )
    return dict(loaded)


def _safetensors(file: Path, path: str, *, values: bool) -> dict[str, torch.Tensor]:
    size = file.stat().st_size
    with file.open("rb") as stream:
        length = int.from_bytes(stream.read(8), "little") if size >= 8 else -1
        if not 0 < length <= min(MAX_HEADER_BYTES, size - 8):
            raise SpecError("not a safetensors file: no header of a possible length", path=path)
        try:
            header = json.loads(stream.read(length))
        except ValueError as exc:
            raise SpecError(
                f"not a safetensors file: its header is not JSON ({exc})", path=path
            ) from None
        if not isinstance(header, dict):
            raise SpecError("not a safetensors file: its header is not a JSON object", path=path)
        header.pop("__metadata__", None)
        if not header:
            raise SpecError("holds no tensors", path=path)
        data_start, data_size = 8 + length, size - 8 - length
        tensors = {}
        for name, entry in header.items():
            dtype, shape, begin, end = _entry(name, entry, data_size, path)
            if not values:
                tensors[name] = torch.empty(shape, dtype=dtype, device="meta")
            elif begin == end:
                tensors[name] = torch.empty(shape, dtype=dtype)
            else:
                stream.seek(data_start + begin)
                raw = bytearray(stream.read(end - begin))
                tensors[name] = torch.frombuffer(raw, dtype=dtype).reshape(shape)
    return tensors


def _entry(
    name: str, entry: object, data_size: int, path: str
) -> tuple[torch.dtype, tuple[int, ...], int, int]:
    """One header entry checked: a known dtype, a shape, offsets inside the file that
    hold exactly that many values."""
    problem = f"tensor {name!r} in the safetensors header"
    if not isinstance(entry, dict):
        raise SpecError(f"{problem} is not an object", path=path)
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in _DTYPES:
        raise SpecError(f"{problem} has dtype {dtype!r}, which linearcli does not read", path=path)
    if not isinstance(shape, list) or not all(_count(n) for n in shape):
        raise SpecError(f"{problem} has no valid shape", path=path)
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_count(n) for n in offsets)):
        raise SpecError(f"{problem} has no valid data_offsets", path=path)
    begin, end = offsets
    if not begin <= end <= data_size or end - begin != math.prod(shape) * _DTYPES[dtype].itemsize:
        raise SpecError(f"{problem}: its data_offsets do not fit its shape and the file", path=path)
    return _DTYPES[dtype], tuple(shape), begin, end


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
