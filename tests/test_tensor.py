"""The Tensor API against PyTorch: construction, dtypes, repr, shape queries, conversions,
autograd attributes and NumPy interop."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import chainrule

# --- construction and dtype inference


@pytest.mark.parametrize(
    "data",
    [
        3.5,
        7,
        True,
        [1.0, 2.0],
        [[1, 2], [3, 4]],
        [True, False],
        [[1.5], [2.5]],
        np.array([1.0, 2.0]),  # float64 array stays float64
        np.array([1.0, 2.0], dtype=np.float32),
        np.array([1, 2], dtype=np.int64),
        np.array([1, 2], dtype=np.int32),
        np.array([True, False]),
        np.float64(2.0),
        np.float32(2.0),
    ],
    ids=lambda d: f"{type(d).__name__}:{getattr(d, 'dtype', '')}:{d!r}"[:40],
)
def test_tensor_infers_dtype_like_torch(data):
    c, t = chainrule.tensor(data), torch.tensor(data)
    assert repr(c.dtype) == repr(t.dtype).replace("torch.", "chainrule.")
    assert tuple(c.shape) == tuple(t.shape)
    assert c.tolist() == t.tolist()


def test_tensor_with_explicit_float64():
    c = chainrule.tensor([1, 2], dtype=chainrule.float64)
    assert c.dtype == chainrule.float64
    assert c.tolist() == [1.0, 2.0]


def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    c = chainrule.tensor(a)
    a[0] = 9.0
    assert c.tolist() == [1.0, 2.0]


def test_tensor_constructor_is_always_float32():
    for data in ([1, 2], [[True, False]], np.array([1.0, 2.0]), 5):
        c, t = chainrule.Tensor(data), torch.Tensor(data if not isinstance(data, int) else [data])
        assert c.dtype == chainrule.float32 and t.dtype == torch.float32
    assert chainrule.Tensor([1, 2]).tolist() == torch.Tensor([1, 2]).tolist()


def test_tensor_constructor_accepts_requires_grad():
    c = chainrule.Tensor([1.0, 2.0], requires_grad=True)
    assert c.requires_grad and c.is_leaf and c.grad is None


def test_tensor_requires_grad_on_integers_raises():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
            lib.tensor([1, 2], requires_grad=True)


# --- repr

REPR_CASES = {
    "ints_as_floats": lambda: np.array([1.0, 2.0], np.float32),
    "quarter": lambda: np.array([0.25, 1.5], np.float32),
    "matrix": lambda: np.array([[1, 2], [3, 4]], np.float32),
    "negative": lambda: np.array([-1.5, 2.25, 0.0], np.float32),
    "small_sci": lambda: np.array([1e-5, 2e-5], np.float32),
    "wide_range_sci": lambda: np.array([0.001, 10.0, 100.0], np.float32),
    "large_float": lambda: np.array([1e10, 1.0], np.float32),
    "big_int_floats": lambda: np.array([123456789.0, 1.0], np.float32),
    "integer_floats_wide_range": lambda: np.array([1.0, 2000.0], np.float32),
    "integer_floats_narrow_range": lambda: np.array([0.0, 1500.0], np.float32),
    "large_ints": lambda: np.array([123456789, 2, -5], np.int64),
    "bools": lambda: np.array([True, False, True]),
    "int64_matrix": lambda: np.arange(6, dtype=np.int64).reshape(2, 3),
    "int32": lambda: np.array([1, 2], np.int32),
    "float64": lambda: np.array([1.0, 2.5], np.float64),
    "float64_ints": lambda: np.array([1.0, 2.0], np.float64),
    "zero_d_float": lambda: np.array(3.5, np.float32),
    "zero_d_int": lambda: np.array(2, np.int64),
    "zero_d_bool": lambda: np.array(True),
    "zero_d_small": lambda: np.array(1e-5, np.float32),
    "zero_d_float64": lambda: np.array(0.1, np.float64),
    "nan_inf": lambda: np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
    "empty": lambda: np.zeros((0,), np.float32),
    "empty_2d": lambda: np.zeros((0, 3), np.float32),
    "empty_int": lambda: np.zeros((0,), np.int64),
    "empty_bool": lambda: np.zeros((0,), np.bool_),
    "empty_float64": lambda: np.zeros((0,), np.float64),
    "3d": lambda: np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 4,
    "wraps_lines": lambda: np.arange(40, dtype=np.float32) / 7,
    "summarised_1d": lambda: np.arange(2000, dtype=np.float32),
    "summarised_2d": lambda: np.arange(2500, dtype=np.float32).reshape(50, 50) / 3,
    "summarised_int": lambda: np.arange(1001, dtype=np.int64),
    "summarised_3d": lambda: np.arange(4000, dtype=np.float32).reshape(10, 20, 20),
}


def both(arr: np.ndarray) -> tuple[chainrule.Tensor, torch.Tensor]:
    """The same values and dtype in both libraries (dtype given, so only repr is tested)."""
    dtype = getattr(chainrule, arr.dtype.name)
    return chainrule.tensor(arr.copy(), dtype=dtype), torch.tensor(arr.copy())


def repr_mismatch(c: chainrule.Tensor, t: torch.Tensor) -> str | None:
    mine = repr(c).replace("chainrule.", "torch.")
    theirs = repr(t)
    return None if mine == theirs else f"chainrule:\n{mine}\ntorch:\n{theirs}"


@pytest.mark.parametrize("name", list(REPR_CASES))
def test_repr_matches_torch(name):
    c, t = both(REPR_CASES[name]())
    assert repr_mismatch(c, t) is None, repr_mismatch(c, t)


def test_repr_requires_grad_suffix():
    for dtype in ("float32", "float64"):
        arr = np.array([1.0, 2.0], dtype)
        c = chainrule.tensor(arr, requires_grad=True)
        t = torch.tensor(arr, requires_grad=True)
        assert repr_mismatch(c, t) is None, repr_mismatch(c, t)


def test_repr_grad_fn_suffix():
    c = chainrule.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for a, b in [(c * 2, t * 2), (c + 1, t + 1), ((c * c).sum(), (t * t).sum())]:
        assert repr_mismatch(a, b) is None, repr_mismatch(a, b)
    assert "grad_fn=<MulBackward0>" in repr(c * 2)


# --- shape, size, dtype objects


def test_shape_is_a_size_tuple():
    c = chainrule.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(c.shape, chainrule.Size) and isinstance(c.shape, tuple)
    assert c.shape == (2, 3)
    assert repr(c.shape) == "chainrule.Size([2, 3])"
    assert repr(chainrule.tensor(1.0).shape) == "chainrule.Size([])"
    assert c.ndim == 2 and c.dim() == 2 and c.numel() == 6


def test_size_method_like_torch():
    arr = np.zeros((2, 3, 4), np.float32)
    c, t = chainrule.tensor(arr), torch.tensor(arr)
    assert c.size() == t.size() and isinstance(c.size(), chainrule.Size)
    for d in (0, 1, 2, -1, -3):
        assert c.size(d) == t.size(d)
    with pytest.raises(IndexError):
        t.size(3)
    with pytest.raises(IndexError):
        c.size(3)


def test_size_used_as_element_count():
    """The tutorial counts parameters with ``p.data.size`` (NumPy's attribute)."""
    c = chainrule.tensor(np.zeros((2, 3, 4), np.float32))
    assert c.size == 24
    assert sum(p.data.size for p in (c, chainrule.tensor([1.0, 2.0]))) == 26
    assert int(c.size) + 1 == 25


def test_dtype_objects():
    assert repr(chainrule.float32) == "chainrule.float32"
    assert repr(chainrule.int64) == "chainrule.int64"
    assert chainrule.float32 == chainrule.float32
    assert chainrule.float32 != chainrule.float64
    assert chainrule.float == chainrule.float32 and chainrule.double == chainrule.float64
    assert chainrule.long == chainrule.int64
    assert chainrule.tensor([1.0]).dtype == chainrule.float32
    assert chainrule.tensor([1.0]).dtype is chainrule.tensor([2.0]).dtype


# --- values out


def test_item():
    assert chainrule.tensor(2.5).item() == torch.tensor(2.5).item() == 2.5
    assert chainrule.tensor([[7]]).item() == 7 and isinstance(chainrule.tensor([[7]]).item(), int)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
            lib.tensor([1.0, 2.0]).item()


def test_tolist():
    for data in ([[1.5, 2.0], [3.0, 4.0]], [1, 2], 3.0, [True]):
        assert chainrule.tensor(data).tolist() == torch.tensor(data).tolist()


def test_numpy_shares_memory():
    c = chainrule.tensor([1.0, 2.0])
    a = c.numpy()
    a[0] = 9.0
    assert c.tolist() == [9.0, 2.0]


def test_numpy_refused_when_requires_grad():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(
            RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"
        ):
            x.numpy()
        assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_array_protocol():
    c = chainrule.tensor([1.0, 2.0])
    a = np.asarray(c)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert np.asarray(c, dtype=np.float64).dtype == np.float64
    assert np.array(c).tolist() == [1.0, 2.0]
    assert float(np.sum(np.asarray(c))) == 3.0


def test_len():
    assert len(chainrule.tensor([[1.0], [2.0], [3.0]])) == 3
    for lib in (chainrule, torch):
        with pytest.raises(TypeError):
            len(lib.tensor(1.0))


def test_bool():
    for lib in (chainrule, torch):
        assert bool(lib.tensor([1.0])) is True
        assert bool(lib.tensor(0.0)) is False
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value"):
            bool(lib.tensor([1.0, 2.0]))


def test_float_and_int():
    for lib in (chainrule, torch):
        assert float(lib.tensor([2.5])) == 2.5
        assert int(lib.tensor(3.7)) == 3
        assert int(lib.tensor(-3.7)) == -3
        with pytest.raises((RuntimeError, TypeError, ValueError)):
            float(lib.tensor([1.0, 2.0]))


def test_format_zero_d_like_torch():
    assert f"{chainrule.tensor(3.14159):.4f}" == f"{torch.tensor(3.14159):.4f}" == "3.1416"
    assert f"{chainrule.tensor(2):d}" == f"{torch.tensor(2):d}"


def test_format_one_element_tensor():
    """The tutorial formats ``loss.data`` of shape (1,) with ``:.4f`` (PyTorch refuses)."""
    assert f"{chainrule.tensor([0.123456]):.4f}" == "0.1235"
    assert f"{chainrule.tensor([[2.0]]):.2f}" == "2.00"


def test_format_without_spec_is_repr():
    c = chainrule.tensor([1.0, 2.0])
    assert f"{c}" == repr(c) == "tensor([1., 2.])"


def test_iteration_yields_rows():
    c, t = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    rows_c, rows_t = list(c), list(t)
    assert len(rows_c) == 2
    for rc, rt in zip(rows_c, rows_t):
        assert isinstance(rc, chainrule.Tensor) and rc.tolist() == rt.tolist()
    with pytest.raises(TypeError):
        iter(chainrule.tensor(1.0))


def test_iteration_keeps_the_graph():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    total = None
    for v in x:
        total = v * v if total is None else total + v * v
    total.backward()
    assert x.grad.tolist() == [2.0, 4.0]


# --- comparisons and numpy interop


def test_comparisons_return_bool_tensors_without_grad():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        c, t = getattr(x, op)(2.0), getattr(tx, op)(2.0)
        assert c.dtype == chainrule.bool
        assert not c.requires_grad and c.grad_fn is None
        assert c.tolist() == t.tolist(), op


def test_ndarray_on_the_left_gives_a_tensor():
    """NumPy defers to the Tensor's reflected operator (PyTorch has no such interop)."""
    c = chainrule.tensor([1.0, 2.0])
    for result, expected in [
        (np.array([1.0, 2.0], np.float32) + c, [2.0, 4.0]),
        (np.array([3.0, 3.0], np.float32) - c, [2.0, 1.0]),
        (np.array([2.0, 2.0], np.float32) * c, [2.0, 4.0]),
        (np.array([2.0, 2.0], np.float32) / c, [2.0, 1.0]),
    ]:
        assert isinstance(result, chainrule.Tensor)
        assert result.tolist() == expected


def test_ndarray_on_the_left_stays_differentiable():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], np.float32) * x
    assert isinstance(y, chainrule.Tensor) and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


# --- autograd attributes


def test_detach_shares_memory_and_has_no_grad():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.numpy()[0] = 5.0
    assert x.detach().tolist() == [5.0, 2.0]


def test_clone_copies_and_is_differentiable():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    c, t = x.clone(), tx.clone()
    assert repr(c).replace("chainrule.", "torch.") == repr(t)
    assert not c.is_leaf
    c.detach().numpy()[0] = 9.0  # writes into the clone's own memory
    assert c.detach().tolist() == [9.0, 2.0]
    assert x.detach().tolist() == [1.0, 2.0]
    (x.clone() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_requires_grad_flag_on_leaf():
    x = chainrule.tensor([1.0, 2.0])
    assert x.requires_grad is False
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad


def test_requires_grad_on_integer_tensor_raises():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            lib.tensor([1, 2]).requires_grad_()
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            lib.tensor([True]).requires_grad = True


def test_requires_grad_setter_on_non_leaf_raises():
    for lib in (chainrule, torch):
        y = lib.tensor([1.0], requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
            y.requires_grad = False


def test_requires_grad_true_setter_on_non_leaf_raises_like_torch():
    for lib in (chainrule, torch):
        y = lib.tensor([1.0], requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
            y.requires_grad = True


def test_requires_grad_method_true_on_non_leaf_is_allowed():
    for lib in (chainrule, torch):
        y = lib.tensor([1.0], requires_grad=True) * 2
        assert y.requires_grad_(True) is y


def test_is_leaf_and_grad_fn():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0], requires_grad=True)
        c = lib.tensor([1.0])
        y = x * 2
        assert x.is_leaf and c.is_leaf and not y.is_leaf
        assert x.grad_fn is None and c.grad_fn is None
        assert (c * 2).is_leaf  # nothing requires grad: still a leaf
    y = chainrule.tensor([1.0], requires_grad=True) * 2
    assert y.grad_fn.name() == "MulBackward0"
    assert type(y.grad_fn).__name__ == "MulBackward0"


def test_zero_grad_resets_to_none():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad is not None
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_data_is_detached_and_shares_memory():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.data
        assert not d.requires_grad and d.is_leaf
        d -= 0.5 * d  # the tutorial's update: param.data -= lr * param.grad
        assert x.detach().tolist() == [0.5, 1.0]
        assert x.requires_grad and x.is_leaf


def test_data_update_with_grad_like_tutorial():
    cx = chainrule.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    for x in (cx, tx):
        (x * x).sum().backward()
        x.data -= 0.1 * x.grad
    assert np.allclose(cx.detach().numpy(), tx.detach().numpy())


def test_grad_setter_validates_shape():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            x.grad = lib.tensor([1.0, 2.0, 3.0])
        x.grad = lib.tensor([0.5, 0.5])
        assert x.grad.tolist() == [0.5, 0.5]
        x.grad = None
        assert x.grad is None


def test_grad_setter_rejects_non_tensor():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError):
        x.grad = np.array([1.0, 2.0], np.float32)


def test_tensors_cannot_be_pickled():
    with pytest.raises(TypeError):
        pickle.dumps(chainrule.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        pickle.dumps(chainrule.tensor([1.0, 2.0], requires_grad=True) * 2)
