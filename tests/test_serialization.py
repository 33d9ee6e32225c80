"""chainrule.save / chainrule.load: round trips, the safetensors format, interchange with
PyTorch in both directions, atomic writes, and the no-pickle rule."""

from __future__ import annotations

import io
import json
import math
import os
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.numpy import load_file as np_load_file
from safetensors.torch import load_file as torch_load_file
from safetensors.torch import save_file as torch_save_file

import chainrule
from chainrule import serialization

DTYPES = [
    ("float16", np.float16),
    ("float32", np.float32),
    ("float64", np.float64),
    ("int8", np.int8),
    ("int16", np.int16),
    ("int32", np.int32),
    ("int64", np.int64),
    ("uint8", np.uint8),
    ("bool", np.bool_),
]


def sample_array(npd, shape, seed=0):
    rng = np.random.default_rng(seed)
    if npd == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    if np.dtype(npd).kind == "f":
        return np.asarray(rng.standard_normal(shape)).astype(npd)
    info = np.iinfo(npd)
    return np.asarray(rng.integers(info.min, info.max, shape, dtype=npd, endpoint=True))


def assert_same_tree(got, want):
    """Same structure, container types, key types, numbers (nan-aware) and tensors."""
    assert type(got) is type(want) or (isinstance(want, dict) and type(got) is dict), (got, want)
    if isinstance(want, chainrule.Tensor):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    elif isinstance(want, dict):
        assert list(got) == list(want)
        assert [type(k) for k in got] == [type(k) for k in want]
        for k in want:
            assert_same_tree(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same_tree(g, w)
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want
        if isinstance(want, float):  # -0.0 stays -0.0
            assert math.copysign(1, got) == math.copysign(1, want)


def read_raw_header(path):
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + n]), raw, n


# ---------------------------------------------------------------- round trips
def test_nested_model_and_optimizer_state_round_trip(tmp_path):
    model = chainrule.nn.Sequential(chainrule.nn.Linear(4, 3), chainrule.nn.Linear(3, 2))
    checkpoint = {
        "epoch": 7,
        "model": model.state_dict(),
        "optimizer": {
            "state": {
                0: {"step": chainrule.tensor(3.0), "exp_avg": chainrule.randn(3, 4)},
                1: {"step": chainrule.tensor(3.0), "momentum_buffer": None},
            },
            "param_groups": [
                {
                    "lr": 1e-3,
                    "betas": (0.9, 0.999),
                    "eps": 1e-8,
                    "weight_decay": 0,
                    "amsgrad": False,
                    "foreach": None,
                    "params": [0, 1, 2, 3],
                }
            ],
        },
        "numbers": [math.nan, math.inf, -math.inf, -0.0, 2**70, -3, 1.5e-300, True],
        "text": 'héllo\n"quoted"',
        "empty": {},
        "nested_tuple": ((), (1, (2.5, None)), []),
        "keys": {-1: "neg", 2.5: "float", True: "bool", "0": "str zero"},
    }
    path = tmp_path / "ckpt.pt"
    chainrule.save(checkpoint, path)
    back = chainrule.load(path)
    assert_same_tree(back, checkpoint)
    assert list(back["optimizer"]["state"]) == [0, 1]  # int keys come back as ints
    assert isinstance(back["optimizer"]["param_groups"][0]["betas"], tuple)
    assert model.load_state_dict(back["model"]).missing_keys == []


@pytest.mark.parametrize("name, npd", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 0, 3), (3, 4)], ids=str)
def test_every_dtype_and_shape_round_trips(tmp_path, name, npd, shape):
    t = chainrule.from_numpy(sample_array(npd, shape))
    path = tmp_path / "t.safetensors"
    chainrule.save({"t": t, "scalar_tensor_list": [t]}, path)
    back = chainrule.load(path)
    for got in (back["t"], back["scalar_tensor_list"][0]):
        assert got.dtype.name == name and tuple(got.shape) == shape
        np.testing.assert_array_equal(got.numpy(), t.numpy())
        assert got.numpy().flags.writeable
    # the standard reader agrees on every dtype
    np.testing.assert_array_equal(np_load_file(path)["t"], t.numpy())


def test_non_contiguous_and_shared_tensors_are_saved_as_copies(tmp_path):
    base = chainrule.arange(24.0).reshape(4, 6)
    views = {"base": base, "t": base.t(), "stepped": base[::2, 1::3], "again": base}
    path = tmp_path / "views.safetensors"
    chainrule.save(views, path)
    back = chainrule.load(path)
    for key, value in views.items():
        np.testing.assert_array_equal(back[key].numpy(), value.numpy())
    back["base"].numpy()[0, 0] = 100.0
    assert back["again"][0, 0].item() == 0.0 and back["t"][0, 0].item() == 0.0
    assert base[0, 0].item() == 0.0


def test_tensor_requiring_grad_and_parameters(tmp_path):
    p = chainrule.nn.Parameter(chainrule.ones(3))
    chainrule.save({"p": p, "root": p * 2}, tmp_path / "p")
    back = chainrule.load(tmp_path / "p")
    assert type(back["p"]) is chainrule.Tensor and not back["p"].requires_grad
    np.testing.assert_array_equal(back["root"].numpy(), [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    "obj",
    [chainrule.tensor([1, 2]), [chainrule.zeros(2), chainrule.ones(1)], None, 3, "s", (1,)],
    ids=["tensor", "list", "None", "int", "str", "tuple"],
)
def test_any_root_object(tmp_path, obj):
    chainrule.save(obj, tmp_path / "o")
    assert_same_tree(chainrule.load(tmp_path / "o"), obj)


def test_ordered_dict_comes_back_in_order(tmp_path):
    sd = OrderedDict((k, chainrule.tensor([float(i)])) for i, k in enumerate("zyxa"))
    chainrule.save(sd, tmp_path / "o")
    assert list(chainrule.load(tmp_path / "o")) == list("zyxa")


def test_name_collisions_are_resolved(tmp_path):
    obj = {0: chainrule.zeros(1), "0": chainrule.ones(1), "__metadata__": chainrule.ones(2)}
    chainrule.save(obj, tmp_path / "c")
    assert_same_tree(chainrule.load(tmp_path / "c"), obj)


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    obj = {"w": chainrule.randn(2, 2), "step": 3}
    chainrule.save(obj, buffer)
    buffer.seek(0)
    assert_same_tree(chainrule.load(buffer), obj)
    with open(tmp_path / "f", "wb") as fh:
        chainrule.save(obj, fh)
    with open(tmp_path / "f", "rb") as fh:
        assert_same_tree(chainrule.load(fh), obj)


def test_load_accepts_torch_keywords(tmp_path):
    chainrule.save({"a": chainrule.ones(1)}, str(tmp_path / "k"))
    for kwargs in (dict(map_location="cpu"), dict(weights_only=False), dict(mmap=True)):
        assert chainrule.load(tmp_path / "k", **kwargs)["a"].item() == 1.0
    assert chainrule.load(tmp_path / "k", {"cuda:0": "cpu"})["a"].item() == 1.0
    with pytest.raises(RuntimeError, match="CPU"):
        chainrule.load(tmp_path / "k", map_location="cuda")
    with pytest.raises(TypeError, match="never unpickles"):
        chainrule.load(tmp_path / "k", pickle_module=json)


@pytest.mark.parametrize(
    "obj, where",
    [
        ({"a": chainrule.ones(1), "b": {1, 2}}, r"obj\['b'\]"),
        ({"x": [1, np.zeros(2)]}, r"obj\['x'\]\[1\]"),
        ([object()], r"obj\[0\]"),
        ({(1, 2): 3}, "dict keys"),
        ({"c": 1 + 2j}, "complex"),
    ],
    ids=["set", "ndarray", "object", "tuple-key", "complex"],
)
def test_unsupported_objects_raise_type_error(tmp_path, obj, where):
    with pytest.raises(TypeError, match=where):
        chainrule.save(obj, tmp_path / "u")
    assert not os.listdir(tmp_path)


def test_bad_destinations_and_sources_like_torch(tmp_path):
    target = tmp_path / "missing_dir" / "x.pt"
    with pytest.raises(RuntimeError) as want:
        torch.save({}, target)
    with pytest.raises(RuntimeError) as got:
        chainrule.save({}, target)
    assert str(got.value) == str(want.value)
    with pytest.raises(TypeError, match="io.BytesIO"):
        chainrule.load(b"not a file")


def test_cycle_is_an_error(tmp_path):
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        chainrule.save(loop, tmp_path / "c")


# ---------------------------------------------------------------- the safetensors format
def test_file_layout_is_plain_safetensors(tmp_path):
    sd = {"b": chainrule.zeros(3, dtype=chainrule.int8), "a": chainrule.ones(2, 2)}
    path = tmp_path / "w.safetensors"
    chainrule.save(sd, path)
    header, raw, n = read_raw_header(path)
    assert (8 + n) % 8 == 0  # data starts aligned
    assert set(header) == {"__metadata__", "a", "b"}  # tensor names are the keys
    assert all(isinstance(v, str) for v in header["__metadata__"].values())
    ends = sorted(tuple(header[k]["data_offsets"]) for k in ("a", "b"))
    assert ends[0][0] == 0 and ends[0][1] == ends[1][0] and ends[1][1] == len(raw) - 8 - n
    assert header["a"] == {"dtype": "F32", "shape": [2, 2], "data_offsets": list(ends[0])}
    with safe_open(path, framework="np") as f:
        assert sorted(f.keys()) == ["a", "b"]
        assert "chainrule" in f.metadata()


# ---------------------------------------------------------------- PyTorch interchange
def chainrule_mlp(seed=0):
    chainrule.manual_seed(seed)
    return chainrule.nn.Sequential(
        chainrule.nn.Linear(5, 8), chainrule.nn.Linear(8, 8), chainrule.nn.Linear(8, 3)
    )


def torch_mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Linear(8, 8), torch.nn.Linear(8, 3))


def forward_both(c_model, t_model):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        want = t_model(torch.from_numpy(x)).numpy()
    return c_model(chainrule.from_numpy(x)).detach().numpy(), want


def test_pytorch_loads_chainrule_weights(tmp_path):
    model = chainrule_mlp()
    path = tmp_path / "model.safetensors"
    chainrule.save(model.state_dict(), path)
    state = torch_load_file(str(path))
    assert list(state) == list(model.state_dict()) or set(state) == set(model.state_dict())
    twin = torch_mlp(seed=1)
    twin.load_state_dict(state)
    got, want = forward_both(model, twin)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_chainrule_loads_pytorch_weights(tmp_path):
    twin = torch_mlp()
    path = tmp_path / "torch.safetensors"
    torch_save_file(twin.state_dict(), str(path))
    state = chainrule.load(path)
    assert set(state) == set(twin.state_dict())
    assert all(isinstance(v, chainrule.Tensor) for v in state.values())
    model = chainrule_mlp(seed=3)
    model.load_state_dict(state)
    got, want = forward_both(model, twin)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, npd", DTYPES)
def test_pytorch_files_of_every_dtype(tmp_path, name, npd):
    array = sample_array(npd, (3, 2), seed=4)
    path = tmp_path / "d.safetensors"
    torch_save_file({"x": torch.from_numpy(array)}, str(path), metadata={"note": "from torch"})
    got = chainrule.load(path)["x"]
    assert got.dtype.name == name
    np.testing.assert_array_equal(got.numpy(), array)


def test_pytorch_reads_a_nested_chainrule_checkpoint(tmp_path):
    chainrule.save(
        {"model": {"w": chainrule.ones(2)}, "opt": {0: chainrule.zeros(1)}}, tmp_path / "n"
    )
    state = torch_load_file(str(tmp_path / "n"))
    assert set(state) == {"model.w", "opt.0"}


# ---------------------------------------------------------------- atomic writes
class Boom(Exception):
    pass


def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.zeros(3)}, path)
    old = path.read_bytes()
    real_write = serialization._write_array
    calls = []

    def failing_write(fh, array):
        calls.append(1)
        if len(calls) == 2:
            raise Boom("disk on fire")
        real_write(fh, array)

    monkeypatch.setattr(serialization, "_write_array", failing_write)
    with pytest.raises(Boom):
        chainrule.save({"w": chainrule.ones(3), "v": chainrule.ones(100)}, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
    assert len(calls) == 2


def test_failure_on_unsupported_object_keeps_the_old_file(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.zeros(3)}, path)
    old = path.read_bytes()
    with pytest.raises(TypeError):
        chainrule.save({"w": chainrule.ones(3), "later": [1, 2, lambda: 0]}, path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_failure_in_fsync_or_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    chainrule.save({"w": chainrule.zeros(3)}, path)
    old = path.read_bytes()

    def fail(*args):
        raise Boom("the system call failed")

    for target in ("fsync", "replace"):
        with monkeypatch.context() as m:
            m.setattr(serialization.os, target, fail)
            with pytest.raises(Boom):
                chainrule.save({"w": chainrule.ones(3)}, path)
        assert path.read_bytes() == old and os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_save_replaces_and_writes_through_symlinks(tmp_path):
    target = tmp_path / "real.safetensors"
    chainrule.save({"v": 1}, target)
    link = tmp_path / "latest"
    link.symlink_to(target)
    chainrule.save({"v": 2}, link)
    assert link.is_symlink() and chainrule.load(target) == {"v": 2}
    assert sorted(os.listdir(tmp_path)) == ["latest", "real.safetensors"]


def test_new_file_has_ordinary_permissions(tmp_path):
    chainrule.save({"v": 1}, tmp_path / "p")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "p").stat().st_mode & 0o777 == 0o666 & ~mask


# ---------------------------------------------------------------- no pickle, anywhere
def test_no_pickle_in_the_package():
    src = Path(chainrule.__file__).parent
    modules = r"(pickle|cPickle|_pickle|dill|shelve|marshal)\b"
    pattern = re.compile(rf"^\s*(import|from)\s+{modules}|import_module\(.{modules}", re.M)
    offenders = [str(p) for p in src.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
