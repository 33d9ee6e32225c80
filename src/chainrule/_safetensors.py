"""The safetensors format as chainrule reads it: dtypes, the error class, and the reader.

``serialization.py`` holds the public ``save``/``load`` and the writer; this module holds
what both share and the validating reader, which checks the whole layout (header length,
JSON, dtypes, offsets, data size, structure references) before it copies any bytes.
"""

from __future__ import annotations

import json
import math

import numpy as np

from .tensor import _wrap

FORMAT_VERSION = 1
_META_KEY = "chainrule"

# safetensors dtype names <-> NumPy (little-endian) dtypes chainrule stores.
_DTYPES: dict[str, np.dtype] = {
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I8": np.dtype("i1"),
    "I16": np.dtype("<i2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES: dict[np.dtype, str] = {d.newbyteorder("="): name for name, d in _DTYPES.items()}
# safetensors dtypes that exist but chainrule has no tensor type for.
_UNSUPPORTED = {
    "BF16", "U16", "U32", "U64", "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3",
    "F6_E3M2", "F4", "I4", "U4",
}  # fmt: skip


class CheckpointError(RuntimeError):
    """A file given to ``chainrule.load`` is not a valid chainrule/safetensors checkpoint
    (truncated, corrupted, or another format). The message names the file and the problem."""


def _foreign_format(prefix: bytes) -> str | None:
    """Recognise the formats people load by mistake: torch.save's zip or pickle."""
    if prefix.startswith(b"PK\x03\x04"):
        return "it is a zip archive, as torch.save writes"
    if len(prefix) >= 2 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5:
        return "it starts like a pickle, as torch.save(..., _use_new_zipfile_serialization=False)"
    return None


class _Reader:
    """Validates a safetensors file completely, then reads its tensors."""

    def __init__(self, fh, size: int, name) -> None:
        self.fh, self.size, self.name = fh, size, name

    def error(self, problem: str) -> CheckpointError:
        return CheckpointError(f"chainrule.load({self.name!r}): {problem}")

    def foreign(self, prefix: bytes) -> None:
        what = _foreign_format(prefix)
        if what is not None:
            raise self.error(
                "this looks like a PyTorch pickle/zip checkpoint; chainrule only loads "
                f"safetensors files ({what}). In PyTorch, save the state dict with "
                "safetensors.torch.save_file(model.state_dict(), path) instead."
            )

    def read(self):
        prefix = self.fh.read(8)
        if self.size < 8:
            self.foreign(prefix)
            raise self.error(
                f"the file is {self.size} bytes long, too short for a safetensors file (which "
                "starts with an 8-byte header length)"
            )
        n = int.from_bytes(prefix, "little")
        if n > self.size - 8:
            self.foreign(prefix)
            raise self.error(
                f"the header length in the first 8 bytes ({n} bytes) goes beyond the end of the "
                f"file ({self.size} bytes): the file is truncated or not a safetensors file"
            )
        self.data_start = 8 + n
        raw = self.fh.read(n)
        if len(raw) != n:
            raise self.error("the file ended while reading the header")
        header = self.parse_header(raw, prefix)
        entries = self.check_entries(header)
        structure = self.parse_structure(header.get("__metadata__"), entries)
        arrays = self.read_arrays(entries)
        if structure is _NO_STRUCTURE:
            return {name: _wrap(arrays[name]) for name in entries}
        return _decode(structure, arrays, self.error)

    # ---------------------------------------------------------------- header
    def parse_header(self, raw: bytes, prefix: bytes) -> dict:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.foreign(prefix)
            raise self.error(
                f"the header is not valid UTF-8 ({e.reason} at byte {e.start})"
            ) from None
        try:
            header = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        except (ValueError, RecursionError) as e:
            self.foreign(prefix)
            raise self.error(f"the header is not valid JSON ({e})") from None
        if not isinstance(header, dict):
            raise self.error(f"the header must be a JSON object, found {type(header).__name__}")
        return header

    def check_entries(self, header: dict) -> dict[str, tuple[np.dtype, tuple, int, int]]:
        """Each tensor's (dtype, shape, begin, end), after checking that the tensors tile
        the data section exactly: in bounds, sized by shape, no overlap, no gap."""
        data_size = self.size - self.data_start
        entries = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            entries[name] = self.check_entry(name, info, data_size)
        position, previous = 0, None
        for name, (_, _, begin, end) in sorted(entries.items(), key=lambda e: e[1][2:]):
            if begin < position:
                raise self.error(f"tensor {name!r} overlaps tensor {previous!r} in the data")
            if begin > position:
                raise self.error(
                    f"bytes {position}..{begin} of the data section belong to no tensor "
                    f"(a gap before tensor {name!r})"
                )
            position, previous = end, name
        if position != data_size:
            raise self.error(
                f"the data section is {data_size} bytes but the tensors use {position}: "
                f"{data_size - position} trailing bytes"
            )
        return entries

    def check_entry(self, name: str, info, data_size: int):
        where = f"tensor {name!r}"
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise self.error(f"{where} needs 'dtype', 'shape' and 'data_offsets' in the header")
        dtype_name = info["dtype"]
        if dtype_name not in _DTYPES:
            if dtype_name in _UNSUPPORTED:
                raise self.error(
                    f"{where} has dtype {dtype_name}, which chainrule does not support "
                    f"(supported: {', '.join(_DTYPES)}); convert it before saving, e.g. "
                    "tensor.float() in PyTorch"
                )
            raise self.error(f"{where} has an unknown dtype {dtype_name!r}")
        shape, offsets = info["shape"], info["data_offsets"]
        if not isinstance(shape, list) or not all(_is_count(s) for s in shape):
            raise self.error(f"{where} has shape {shape!r}: expected a list of sizes >= 0")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
            raise self.error(f"{where} has data_offsets {offsets!r}: expected [begin, end] >= 0")
        begin, end = offsets
        if begin > end:
            raise self.error(f"{where} has data_offsets {offsets} out of order (begin > end)")
        if end > data_size:
            raise self.error(
                f"{where} has data_offsets {offsets} outside the data section ({data_size} "
                "bytes): the file is truncated or corrupted"
            )
        dtype = _DTYPES[dtype_name]
        need = math.prod(shape) * dtype.itemsize
        if end - begin != need:
            raise self.error(
                f"{where} has data_offsets {offsets} ({end - begin} bytes), but shape {shape} "
                f"of {dtype_name} needs {need} bytes"
            )
        return dtype, tuple(shape), begin, end

    def parse_structure(self, metadata, entries):
        if metadata is None:
            return _NO_STRUCTURE
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise self.error("__metadata__ must be a JSON object of strings")
        if _META_KEY not in metadata:
            return _NO_STRUCTURE
        try:
            meta = json.loads(
                metadata[_META_KEY], object_pairs_hook=_unique_keys, parse_constant=_no_constant
            )
        except (ValueError, RecursionError) as e:
            raise self.error(
                f"the chainrule structure in __metadata__ is not valid JSON ({e})"
            ) from None
        if (
            not isinstance(meta, dict)
            or meta.get("version") != FORMAT_VERSION
            or "object" not in meta
        ):
            raise self.error(
                f"the chainrule structure in __metadata__ is not format version {FORMAT_VERSION} "
                "(written by a newer chainrule, or corrupted)"
            )
        used: list[str] = []
        try:  # a dry run: checks every node and collects the tensor references
            _decode(meta["object"], None, self.error, used)
        except RecursionError:
            raise self.error(
                "the chainrule structure in __metadata__ is nested too deeply"
            ) from None
        missing = [n for n in used if n not in entries]
        if missing:
            raise self.error(
                f"the chainrule structure refers to tensor(s) {missing} missing from the file"
            )
        if len(set(used)) != len(used):
            raise self.error("the chainrule structure refers to the same tensor twice")
        unused = [n for n in entries if n not in set(used)]
        if unused:
            raise self.error(f"tensor(s) {unused} in the file are not in the chainrule structure")
        return meta["object"]

    # ---------------------------------------------------------------- data
    def read_arrays(self, entries) -> dict[str, np.ndarray]:
        arrays = {}
        for name, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda e: e[1][2]):
            buffer = np.empty(end - begin, dtype=np.uint8)
            self.fh.seek(self.data_start + begin)
            if _read_into(self.fh, buffer) != end - begin:
                raise self.error(f"the file ended while reading tensor {name!r}")
            if dtype.kind == "b" and buffer.size and buffer.max() > 1:
                raise self.error(f"BOOL tensor {name!r} holds bytes other than 0 and 1")
            array = buffer.view(dtype).reshape(shape)
            arrays[name] = array if dtype.isnative else array.astype(dtype.newbyteorder("="))
        return arrays


_NO_STRUCTURE = object()


def _read_into(fh, buffer: np.ndarray) -> int:
    """Fill ``buffer`` from the file; returns the bytes read (fewer only at end of file).
    One read call may return less than asked (e.g. 2 GiB caps), hence the loop."""
    view, done = memoryview(buffer), 0
    while done < buffer.size:
        got = fh.readinto(view[done:])
        if not got:
            break
        done += got
    return done


def _is_count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _unique_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name):
    raise ValueError(f"{name} is not valid JSON")


_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode(node, arrays, error, used=None, path="obj"):
    """Rebuild the object from its JSON structure. With ``arrays`` None this is a dry run
    that only validates and appends each tensor reference to ``used``."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, error, used, f"{path}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, dict) and len(node) == 1:
        ((tag, value),) = node.items()
        if tag == "tensor" and isinstance(value, str):
            if arrays is None:
                used.append(value)
                return None
            return _wrap(arrays[value])
        if tag == "float" and value in _FLOATS:
            return _FLOATS[value]
        if tag == "tuple" and isinstance(value, list):
            items = enumerate(value)
            return tuple(_decode(v, arrays, error, used, f"{path}[{i}]") for i, v in items)
        if tag == "dict" and isinstance(value, list):
            out = {}
            for pair in value:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise error(f"the chainrule structure has a malformed dict entry at {path}")
                key = _decode_key(pair[0], error, path)
                out[key] = _decode(pair[1], arrays, error, used, f"{path}[{key!r}]")
            return out
    raise error(f"the chainrule structure has an unknown node at {path}: {json.dumps(node)[:80]}")


def _decode_key(node, error, path):
    if isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1 and node.get("float") in _FLOATS:
        return _FLOATS[node["float"]]
    raise error(f"the chainrule structure has a malformed dict key at {path}")
