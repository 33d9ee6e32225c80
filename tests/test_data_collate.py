"""default_collate / default_convert against PyTorch's, element kind by element kind.

Both results are flattened into plain trees (container kind, dtype, values) and compared, so
a wrong container type (tuple vs list), a wrong dtype or wrong values all fail.
"""

from __future__ import annotations

import collections
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate
from torch.utils.data.dataloader import default_convert as torch_convert

import chainrule
from chainrule.utils.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def plain(obj):
    """A comparable description of a collated batch from either library."""
    if isinstance(obj, chainrule.Tensor):
        return ("tensor", obj.dtype.name, obj.numpy().copy())
    if isinstance(obj, torch.Tensor):
        return ("tensor", str(obj.dtype).removeprefix("torch."), obj.numpy().copy())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v) for v in obj])
    if isinstance(obj, collections.abc.Mapping):
        return (type(obj).__name__, {k: plain(v) for k, v in obj.items()})
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.copy())
    return (type(obj).__name__, obj)


def assert_same(a, b):
    if isinstance(a, tuple) and len(a) == 3 and a[0] in ("tensor", "ndarray"):
        assert b[0] == a[0] and a[1] == b[1], (a, b)
        np.testing.assert_array_equal(a[2], b[2])
        assert a[2].shape == b[2].shape
        return
    assert type(a) is type(b), (a, b)
    if isinstance(a, tuple):
        assert a[0] == b[0], (a, b)
        assert_same(a[1], b[1])
    elif isinstance(a, list):
        assert len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b), (a, b)
        for k in a:
            assert_same(a[k], b[k])
    else:
        assert a == b, (a, b)


def to_torch(obj):
    """The same sample for PyTorch: chainrule tensors become torch tensors."""
    if isinstance(obj, chainrule.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((k, to_torch(v)) for k, v in obj.items())
    return obj


def t(values, dtype=None):
    return chainrule.tensor(values, dtype=dtype)


SAMPLES = {
    "float32 tensors": [t([1.0, 2.0]), t([3.0, 4.0]), t([5.0, 6.0])],
    "float64 matrices": [t([[1.0, 2.0]], chainrule.float64), t([[3.0, 4.0]], chainrule.float64)],
    "int 0-d tensors": [t(1), t(2), t(3)],
    "bool tensors": [t([True, False]), t([False, False])],
    "uint8 tensors": [t([1, 2], chainrule.uint8), t([3, 4], chainrule.uint8)],
    "python floats": [1.5, 2.5, -3.0],
    "python ints": [1, 2, 3],
    "python bools": [True, False, True],
    "ints and bools": [True, 2, 3],
    "ints then floats": [1, 2.5],
    "numpy float32 arrays": [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)],
    "numpy int16 arrays": [np.arange(3, dtype=np.int16), np.arange(3, 6, dtype=np.int16)],
    "numpy float64 scalars": [np.float64(1.5), np.float64(2.5)],
    "numpy float32 scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy int32 scalars": [np.int32(1), np.int32(7)],
    "numpy bool scalars": [np.bool_(True), np.bool_(False)],
    "numpy 0-d arrays": [np.array(1.0), np.array(2.0)],
    "strings": ["a", "bc", "d"],
    "bytes": [b"a", b"b"],
    "tuples": [(t([1.0]), 1, "a"), (t([2.0]), 2, "b")],
    "lists": [[1, 2.0], [3, 4.0]],
    "namedtuples": [Point(1, t([1.0, 2.0])), Point(2, t([3.0, 4.0]))],
    "dicts": [{"x": t([1.0]), "y": 1, "s": "p"}, {"x": t([2.0]), "y": 2, "s": "q"}],
    "ordered dicts": [OrderedDict(b=1.0, a=2), OrderedDict(b=3.0, a=4)],
    "nested": [
        {"img": np.ones((2, 2), np.float32), "meta": (1, [2.0, "u"]), "p": Point(1.0, 2)},
        {"img": np.zeros((2, 2), np.float32), "meta": (3, [4.0, "v"]), "p": Point(3.0, 4)},
    ],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_collate_matches_torch(name):
    batch = SAMPLES[name]
    assert_same(plain(default_collate(batch)), plain(torch_collate(to_torch(batch))))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_convert_matches_torch(name):
    for sample in SAMPLES[name]:
        assert_same(plain(default_convert(sample)), plain(torch_convert(to_torch(sample))))


def test_collate_tuple_becomes_list_like_torch():
    out = default_collate([(1, 2.0), (3, 4.0)])
    assert type(out) is list  # PyTorch's backwards-compatible choice
    assert out[0].dtype == chainrule.int64 and out[1].dtype == chainrule.float64


@pytest.mark.parametrize("n", [2, 40])
def test_collate_stacks_tensors_that_require_grad(n):
    a = chainrule.ones(2, requires_grad=True)
    batch = default_collate([a * (i + 1) for i in range(n)])
    batch.sum().backward()
    total = n * (n + 1) / 2
    np.testing.assert_array_equal(a.grad.numpy(), [total, total])


@pytest.mark.parametrize("n", [1, 16, 100])
def test_collate_large_batches_like_torch(n):
    rng = np.random.default_rng(n)
    samples = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(n)]
    ours = default_collate([chainrule.from_numpy(s) for s in samples])
    assert_same(plain(ours), plain(torch_collate([torch.from_numpy(s) for s in samples])))
    with chainrule.no_grad():
        needs_grad = [chainrule.from_numpy(s).requires_grad_() for s in samples]
        assert_same(plain(default_collate(needs_grad).detach()), plain(ours))


def test_collate_promotes_mixed_dtypes_like_torch():
    samples = [t([1, 2]), t([0.5, 1.5]), t([True, False])] * 7
    assert_same(plain(default_collate(samples)), plain(torch_collate(to_torch(samples))))


def _raises_like_torch(batch, torch_batch=None):
    torch_batch = batch if torch_batch is None else torch_batch
    with pytest.raises(Exception) as expected:
        torch_collate(torch_batch)
    with pytest.raises(expected.type) as got:
        default_collate(batch)
    return expected.value, got.value


def test_unequal_tensor_sizes_raise_like_torch():
    want, got = _raises_like_torch(
        [t([1.0, 2.0]), t([1.0, 2.0, 3.0])], [torch.zeros(2), torch.zeros(3)]
    )
    assert "stack expects each tensor to be equal size" in str(got)


def test_unequal_sequence_lengths_raise_like_torch():
    want, got = _raises_like_torch([[1, 2], [1]])
    assert str(got) == str(want)


@pytest.mark.parametrize(
    "batch",
    [[object()], [{1, 2}], [np.array(["a", "b"])], [np.array([object()])], [None]],
    ids=["object", "set", "str-array", "object-array", "None"],
)
def test_unsupported_elements_raise_like_torch(batch):
    want, got = _raises_like_torch(batch)
    assert str(got) == str(want)


def test_unequal_numpy_array_sizes_raise_runtime_error():
    batch = [np.zeros(2, np.float32), np.zeros(3, np.float32)]
    _raises_like_torch(batch)


def test_convert_leaves_string_arrays_and_python_numbers_alone():
    arr = np.array(["a", "b"])
    assert default_convert(arr) is arr
    assert default_convert(1.5) == 1.5 and type(default_convert(1.5)) is float


def test_convert_shares_numpy_memory_like_torch():
    arr = np.zeros(3, np.float32)
    out = default_convert(arr)
    arr[0] = 5.0
    assert out[0].item() == 5.0
