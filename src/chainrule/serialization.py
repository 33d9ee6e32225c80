"""Checkpoints: ``chainrule.save`` / ``chainrule.load`` in the safetensors format, no pickle.

A checkpoint is one safetensors file::

    8 bytes      N, the header length (unsigned, little-endian)
    N bytes      a JSON object (UTF-8): for each tensor {"dtype", "shape", "data_offsets"},
                 plus "__metadata__" (str -> str)
    the rest     the tensors' raw little-endian bytes, back to back

The saved object's structure (dicts with str or int keys, lists, tuples, numbers incl.
nan/inf, strings, None, bools) is stored as JSON in ``__metadata__["chainrule"]``, with each
tensor replaced by a reference to its name in the file. Loading parses JSON and copies bytes
into arrays: it can never run code, whatever the file holds.

For a flat dict of tensors (a model's ``state_dict``) the tensor names are the dict's keys,
so the file is an ordinary safetensors weights file: PyTorch reads it with
``safetensors.torch.load_file`` and ``model.load_state_dict`` accepts the result. The
reverse also works: a file written by ``safetensors.torch.save_file`` (no chainrule
metadata) loads as a dict of chainrule tensors.

Writes are atomic: the bytes go to a temporary file in the target's directory, which is
flushed, fsync'ed and then renamed over the target, so a failure mid-save leaves the previous
checkpoint intact (and no temporary file behind). Loading validates the whole layout first
and raises ``CheckpointError`` (a RuntimeError) naming the file and the problem; a failed
load returns nothing, so it changes no model.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import numbers
import os
import secrets
from typing import IO, Any

import numpy as np

from ._safetensors import _META_KEY, _NAMES, FORMAT_VERSION, _Reader
from ._safetensors import CheckpointError as CheckpointError  # public: serialization.*
from .tensor import Tensor

__all__ = ["save", "load"]


# ================================================================ save
def save(
    obj: Any,
    f: str | os.PathLike | IO[bytes],
    pickle_module: Any = None,
    pickle_protocol: Any = None,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write ``obj`` (a state dict, or any nesting of dicts, lists, tuples, tensors, numbers,
    strings, None) to ``f``, a path or a binary file object, as a safetensors file.

    Tensors are saved as independent copies (tensors sharing memory included); Parameters
    come back as plain tensors, namedtuples as tuples and OrderedDicts as dicts (same order).
    With a path the write is atomic (see the module docstring). The pickle-related
    arguments exist so that code written for ``torch.save`` runs; chainrule never pickles.
    """
    structure, tensors = _Encoder().encode(obj)
    header, arrays = _layout(structure, tensors)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), header, arrays)
    else:
        _write_file(f, header, arrays)


class _Encoder:
    """Turns an object into a JSON-able structure plus the (name, array) tensors it holds.

    JSON nodes: null, true/false, ints, finite floats and strings stand for themselves; a
    JSON list is a Python list; a one-key object is tagged: {"tensor": name},
    {"tuple": [...]}, {"dict": [[key, value], ...]} (keys keep their types: int keys stay
    ints) or {"float": "nan" | "inf" | "-inf"}.
    """

    def __init__(self) -> None:
        self.tensors: list[tuple[str, np.ndarray]] = []
        self.names: set[str] = {"__metadata__"}
        self.active: set[int] = set()  # containers being encoded: a cycle is an error

    def encode(self, obj) -> tuple[Any, list[tuple[str, np.ndarray]]]:
        return self.node(obj, ()), self.tensors

    def node(self, obj, path: tuple):
        scalar = _encode_scalar(obj)
        if scalar is not _NOT_SCALAR:
            return scalar
        if isinstance(obj, Tensor):
            return {"tensor": self.add_tensor(obj, path)}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError(f"chainrule.save: the object contains itself at {_where(path)}")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    pairs = []
                    for key, value in obj.items():
                        key_node = _encode_scalar(key)
                        if key_node is _NOT_SCALAR or key is None:
                            raise TypeError(
                                f"chainrule.save: dict keys must be str, int, float or bool; "
                                f"found a key of type {type(key).__name__} at {_where(path)}"
                            )
                        pairs.append([key_node, self.node(value, (*path, key))])
                    return {"dict": pairs}
                items = [self.node(v, (*path, i)) for i, v in enumerate(obj)]
                return items if isinstance(obj, list) else {"tuple": items}
            finally:
                self.active.discard(id(obj))
        if isinstance(obj, np.ndarray):
            hint = "wrap it first with chainrule.from_numpy(array)"
        else:
            hint = "save its state_dict() or convert it to tensors, numbers or strings"
        raise TypeError(
            f"chainrule.save: cannot save an object of type {type(obj).__name__} at "
            f"{_where(path)}; a checkpoint holds tensors, dicts, lists, tuples, numbers, "
            f"strings, bools and None ({hint})"
        )

    def add_tensor(self, t: Tensor, path: tuple) -> str:
        base = ".".join(str(p) for p in path) if path else "tensor"
        name, k = base, 1
        while name in self.names:  # e.g. keys 0 and "0", or a key "__metadata__"
            k += 1
            name = f"{base}#{k}"
        self.names.add(name)
        self.tensors.append((name, t._data))
        return name


_NOT_SCALAR = object()


def _encode_scalar(obj):
    """The JSON node of a None/bool/int/float/str (NumPy scalars become Python numbers)."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real) and not isinstance(obj, Tensor):
        value = float(obj)
        if math.isfinite(value):
            return value
        return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    return _NOT_SCALAR


def _where(path: tuple) -> str:
    return "obj" + "".join(f"[{p!r}]" for p in path)


def _layout(structure, tensors) -> tuple[bytes, list[np.ndarray]]:
    """The header bytes (padded so the data starts 8-byte aligned) and the arrays in file
    order: widest dtypes first, so every tensor starts at a multiple of its item size."""
    order = sorted(range(len(tensors)), key=lambda i: -tensors[i][1].dtype.itemsize)
    header: dict[str, Any] = {
        "__metadata__": {
            "format": "pt",
            _META_KEY: json.dumps(
                {"version": FORMAT_VERSION, "object": structure}, separators=(",", ":")
            ),
        }
    }
    offset, arrays = 0, []
    for i in order:
        name, data = tensors[i]
        nbytes = data.size * data.dtype.itemsize
        header[name] = {
            "dtype": _NAMES[data.dtype.newbyteorder("=")],
            "shape": list(data.shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
        arrays.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-(8 + len(raw)) % 8)
    return raw, arrays


def _write_file(fh, header: bytes, arrays: list[np.ndarray]) -> None:
    fh.write(len(header).to_bytes(8, "little"))
    fh.write(header)
    for array in arrays:
        _write_array(fh, array)


def _write_array(fh, array: np.ndarray) -> None:
    """The array's bytes, C order, little-endian (a copy only when needed)."""
    le = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    fh.write(le.reshape(-1).view(np.uint8).data)


def _atomic_write(path: str, header: bytes, arrays: list[np.ndarray]) -> None:
    if os.path.islink(path):  # write through a link to its target, as open(path, "wb") does
        path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")  # PyTorch's error
    tmp, fd = _create_temp(directory, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_file(fh, header, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temp(directory: str, base: str) -> tuple[str, int]:
    """A new file next to the target; mode 0o666 minus the umask, like an ordinary open."""
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ================================================================ load
def load(
    f: str | os.PathLike | IO[bytes],
    map_location=None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = True,
    mmap: bool | None = None,
    **pickle_load_args,
) -> Any:
    """Read a checkpoint written by ``chainrule.save``, or any safetensors file.

    ``f`` is a path or a binary file object. A file without chainrule metadata (e.g. from
    ``safetensors.torch.save_file``) loads as a dict {name: tensor} in the file's order.
    Tensors are new, writable arrays on the CPU. Any inconsistency in the file raises
    ``chainrule.serialization.CheckpointError``, which names the file and the problem.

    ``map_location`` may be None or the CPU (anything else is an error: chainrule tensors
    live on the CPU). ``weights_only`` and ``mmap`` are accepted for code written for
    ``torch.load`` and ignored: loading is always data-only, and reads into memory.
    """
    _check_map_location(map_location)
    if pickle_module is not None:
        raise TypeError(
            "chainrule.load: pickle_module is not supported (chainrule never unpickles)"
        )
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"chainrule.load() got unexpected keyword argument(s) {sorted(unknown)}")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as fh:
            return _Reader(fh, os.fstat(fh.fileno()).st_size, path).read()
    if not callable(getattr(f, "read", None)):
        raise TypeError(
            f"chainrule.load: expected a path or a binary file object, got {type(f).__name__} "
            "(wrap bytes in io.BytesIO)"
        )
    data = f.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("chainrule.load: the file object must be opened in binary mode ('rb')")
    return _Reader(io.BytesIO(data), len(data), getattr(f, "name", type(f).__name__)).read()


def _check_map_location(map_location) -> None:
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if target is None:
            continue
        if callable(target) and not isinstance(target, str):
            raise TypeError(
                "chainrule.load: a callable map_location is not supported; chainrule tensors "
                "always load onto the CPU (leave map_location out, or pass 'cpu')"
            )
        if str(target) not in ("cpu", "cpu:0"):
            raise RuntimeError(
                f"chainrule.load: map_location={str(target)!r} is not available: chainrule "
                "tensors live on the CPU; use map_location='cpu' or leave it out"
            )
