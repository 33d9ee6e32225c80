"""chainrule.load on broken files: every validation rule raises CheckpointError naming the file
and the problem; truncations and flipped header bytes never load; a failed load changes no
model."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import torch

import chainrule
from chainrule.serialization import CheckpointError


def build(header: dict, data: bytes = b"", pad: bool = True, raw_header: bytes | None = None):
    """A safetensors file from its parts (no validation: the point is to break rules)."""
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    if pad:
        text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def f32(*values):
    return np.asarray(values, dtype="<f4").tobytes()


def expect_error(tmp_path, content: bytes, pattern: str | None):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=pattern) as info:
        chainrule.load(path)
    assert str(path) in str(info.value)  # the message names the file
    return info.value


def structure(obj) -> dict:
    return {"chainrule": json.dumps({"version": 1, "object": obj})}


GOOD_HEADER = {"a": entry("F32", [2], 0, 8), "b": entry("I64", [1], 8, 16)}
GOOD_DATA = f32(1.0, 2.0) + np.asarray([7], "<i8").tobytes()


def test_the_handmade_file_is_valid(tmp_path):
    path = tmp_path / "ok.safetensors"
    path.write_bytes(build(GOOD_HEADER, GOOD_DATA))
    got = chainrule.load(path)
    assert got["a"].tolist() == [1.0, 2.0] and got["b"].tolist() == [7]


CASES = {
    "empty file": (b"", "0 bytes long, too short"),
    "7 bytes": (b"\x08\x00\x00\x00\x00\x00\x00", "7 bytes long, too short"),
    "header beyond file": (struct.pack("<Q", 1000) + b"{}", "header length .*1000.* beyond"),
    "header not utf-8": (build({}, raw_header=b'{"\xff": 1}'), "not valid UTF-8"),
    "header not json": (build({}, raw_header=b'{"a": '), "not valid JSON"),
    "header empty": (struct.pack("<Q", 0), "not valid JSON"),
    "header is a list": (build({}, raw_header=b"[]"), "must be a JSON object"),
    "duplicate names": (
        build(
            {},
            f32(1) * 2,
            raw_header=b'{"a":'
            + json.dumps(entry("F32", [1], 0, 4)).encode()
            + b',"a":'
            + json.dumps(entry("F32", [1], 4, 8)).encode()
            + b"}",
        ),
        "duplicate key 'a'",
    ),
    "unknown dtype": (build({"a": entry("X99", [1], 0, 4)}, f32(1)), "unknown dtype 'X99'"),
    "bf16": (build({"a": entry("BF16", [2], 0, 4)}, f32(1)), "BF16, which chainrule does not"),
    "missing field": (build({"a": {"dtype": "F32", "shape": [1]}}, f32(1)), "needs 'dtype'"),
    "negative shape": (build({"a": entry("F32", [-1], 0, 4)}, f32(1)), "shape \\[-1\\]"),
    "bool shape": (build({"a": entry("F32", [True], 0, 4)}, f32(1)), "shape \\[True\\]"),
    "offsets not a pair": (
        build({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}, f32(1)),
        "data_offsets \\[0\\]",
    ),
    "offsets out of order": (build({"a": entry("F32", [0], 4, 0)}, f32(1)), "out of order"),
    "offsets outside data": (build({"a": entry("F32", [2], 0, 8)}, f32(1)), "outside the data"),
    "size not shape*itemsize": (build({"a": entry("F32", [3], 0, 8)}, f32(1, 2)), "needs 12"),
    "overlap": (
        build({"a": entry("F32", [2], 0, 8), "b": entry("F32", [1], 4, 8)}, f32(1, 2)),
        "overlaps",
    ),
    "gap": (
        build({"a": entry("F32", [1], 0, 4), "b": entry("F32", [1], 8, 12)}, f32(1, 2, 3)),
        "bytes 4..8 .* belong to no tensor",
    ),
    "trailing bytes": (build({"a": entry("F32", [1], 0, 4)}, f32(1, 2)), "4 trailing bytes"),
    "missing bytes": (build(GOOD_HEADER, GOOD_DATA[:-3]), "outside the data section"),
    "bool byte 2": (build({"a": entry("BOOL", [2], 0, 2)}, b"\x01\x02"), "other than 0 and 1"),
    "metadata not strings": (build({"__metadata__": {"k": 1}}), "__metadata__ must be"),
    "structure not json": (build({"__metadata__": {"chainrule": "{oops"}}), "not valid JSON"),
    "structure bad version": (
        build({"__metadata__": {"chainrule": json.dumps({"version": 99, "object": 1})}}),
        "not format version 1",
    ),
    "structure refers to missing tensor": (
        build({"__metadata__": structure({"tensor": "ghost"})}),
        "refers to tensor\\(s\\) \\['ghost'\\] missing",
    ),
    "tensor not in structure": (
        build({"__metadata__": structure(None), "a": entry("F32", [1], 0, 4)}, f32(1)),
        "not in the chainrule structure",
    ),
    "tensor referenced twice": (
        build(
            {"__metadata__": structure([{"tensor": "a"}, {"tensor": "a"}]), **GOOD_HEADER},
            GOOD_DATA,
        ),
        "same tensor twice",
    ),
    "unknown node": (build({"__metadata__": structure({"set": [1]})}), "unknown node at obj"),
    "bad dict entry": (build({"__metadata__": structure({"dict": [[1]]})}), "malformed dict"),
    "bad dict key": (
        build({"__metadata__": structure({"dict": [[[1], 2]]})}),
        "malformed dict key",
    ),
    "bad float tag": (build({"__metadata__": structure({"float": "big"})}), "unknown node"),
    "NaN literal": (build({}, raw_header=b'{"__metadata__": {}, "x": NaN}'), "not valid JSON"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_validation_rule(tmp_path, case):
    content, pattern = CASES[case]
    expect_error(tmp_path, content, pattern)


def test_checkpoint_error_is_a_runtime_error():
    assert issubclass(CheckpointError, RuntimeError)


@pytest.fixture
def saved_checkpoint(tmp_path):
    obj = {"w": chainrule.randn(3, 2), "opt": {0: {"step": 2}}, "mask": chainrule.tensor([True])}
    path = tmp_path / "good.safetensors"
    chainrule.save(obj, path)
    return path.read_bytes()


def test_every_truncation_fails(tmp_path, saved_checkpoint):
    for cut in range(len(saved_checkpoint)):
        expect_error(tmp_path, saved_checkpoint[:cut], None)


def test_every_flipped_header_byte_fails(tmp_path, saved_checkpoint):
    n = int.from_bytes(saved_checkpoint[:8], "little")
    for position in range(8 + n):
        broken = bytearray(saved_checkpoint)
        broken[position] ^= 0xFF
        expect_error(tmp_path, bytes(broken), None)


@pytest.mark.parametrize(
    "content, kind",
    [
        (pickle.dumps({"w": [1.0, 2.0]}), "pickle"),
        (pickle.dumps(None, protocol=2), "pickle"),
    ],
    ids=["pickle-5", "pickle-2"],
)
def test_pickle_files_are_recognised(tmp_path, content, kind):
    err = expect_error(tmp_path, content, "this looks like a PyTorch pickle/zip checkpoint")
    assert "chainrule only loads safetensors files" in str(err) and kind in str(err)


@pytest.mark.parametrize("zipfile", [True, False], ids=["zip", "legacy-pickle"])
def test_torch_save_files_are_recognised(tmp_path, zipfile):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=zipfile)
    err = expect_error(tmp_path, path.read_bytes(), "PyTorch pickle/zip checkpoint")
    assert ("zip archive" in str(err)) == zipfile


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        chainrule.load(tmp_path / "nope.safetensors")


def test_failed_load_leaves_the_model_unchanged(tmp_path):
    model = chainrule.nn.Sequential(chainrule.nn.Linear(3, 4), chainrule.nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    chainrule.save({k: v * 0 + 1 for k, v in model.state_dict().items()}, path)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    content = path.read_bytes()
    for broken in (content[:-1], content[:8] + b"[" + content[9:], content + b"\x00"):
        path.write_bytes(broken)
        with pytest.raises(CheckpointError):
            model.load_state_dict(chainrule.load(path))
        for k, v in model.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), before[k])
