"""Reductions beyond the op table: ties and zeros (integer-valued inputs), non-differentiable
results (argmax, all, argsort, indices), integer dtypes, named tuples, and numerics at
magnitude 1e4. Expected values come from PyTorch, run side by side."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from parity import check_parity
from rows_reduction import TIE_ROWS, ZERO_ROWS, integer_inputs
from torchpair import pair, same


def _draw(row, data):
    shapes = data.draw(row.shapes, label="shapes")
    params = data.draw(row.params(shapes), label="params")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    arrays = integer_inputs(shapes, np.random.default_rng(seed))
    return (lambda lib, *xs: row.fn(lib, *xs, **params)), arrays, seed


# ---------------------------------------------------------------- rows with integer inputs
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("row", TIE_ROWS, ids=[r.name for r in TIE_ROWS])
@given(data=st.data())
def test_tie_rule_matches_torch(row, dtype, data):
    fn, arrays, seed = _draw(row, data)
    check_parity(fn, arrays, dtype=dtype, seed=seed)


@pytest.mark.parametrize("row", ZERO_ROWS, ids=[r.name for r in ZERO_ROWS])
@given(data=st.data())
def test_zeros_match_torch_to_second_order(row, data):
    fn, arrays, seed = _draw(row, data)
    check_parity(fn, arrays, dtype="float64", seed=seed, second_order=True)


@pytest.mark.parametrize("row", ZERO_ROWS, ids=[r.name for r in ZERO_ROWS])
@settings(max_examples=8)
@given(data=st.data())
def test_zeros_gradcheck(row, data):
    fn, arrays, _ = _draw(row, data)
    leaves = tuple(chainrule.tensor(a, requires_grad=True) for a in arrays)
    assert chainrule.autograd.gradcheck(lambda *xs: fn(chainrule, *xs), leaves)
    assert chainrule.autograd.gradgradcheck(lambda *xs: fn(chainrule, *xs), leaves)


# ---------------------------------------------------------------- ties, spelled out
def _grad(fn, values):
    c, t = pair(values, "float64")
    fn(chainrule, c).sum().backward()
    fn(torch, t).sum().backward()
    same(c.grad, t.grad)
    return c.grad.numpy()


def test_whole_tensor_max_splits_the_gradient_among_ties():
    g = _grad(lambda T, x: x.max(), [1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(g, [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(_grad(lambda T, x: T.min(x), [1.0, 1.0, 1.0]), [1 / 3] * 3)


def test_amax_splits_the_gradient_among_ties_per_slice():
    g = _grad(lambda T, x: x.amax(1), [[1.0, 3.0, 3.0, 3.0], [0.0, 0.0, -1.0, -2.0]])
    np.testing.assert_allclose(g, [[0, 1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0, 0]])
    g = _grad(lambda T, x: x.amin((0, 1)), [[1.0, 0.0], [0.0, 2.0]])
    np.testing.assert_array_equal(g, [[0, 0.5], [0.5, 0]])


def test_max_with_dim_sends_the_gradient_to_the_first_tie_only():
    g = _grad(lambda T, x: x.max(1).values, [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(g, [[0, 1, 0], [1, 0, 0]])
    g = _grad(lambda T, x: T.min(x, 0)[0], [[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(g, [[1, 1], [0, 0]])


def test_max_of_nan_propagates_like_torch():
    values = [1.0, float("nan"), 2.0, float("nan")]
    same(chainrule.tensor(values).max(), torch.tensor(values).max())
    c, t = chainrule.tensor(values).max(0), torch.tensor(values).max(0)
    same(c.values, t.values)
    assert c.indices.item() == t.indices.item() == 1
    _grad(lambda T, x: x.max(), values)  # the NaNs share the gradient
    _grad(lambda T, x: x.amax(), values)  # nan everywhere, as torch


# ---------------------------------------------------------------- zeros in prod and cumprod
@pytest.mark.parametrize(
    "values",
    [[2.0, 0.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [[2.0, 0.0], [0.0, 5.0]]],
    ids=["one-zero", "two-zeros", "all-zero", "matrix"],
)
def test_prod_gradient_with_zeros(values):
    g = _grad(lambda T, x: x.prod(), values)
    flat = np.asarray(values).ravel()
    expected = [np.prod(np.delete(flat, i)) for i in range(flat.size)]
    np.testing.assert_array_equal(g.ravel(), expected)


def test_prod_and_cumprod_second_derivatives_with_zeros():
    for fn in (lambda T, x: x.prod(), lambda T, x: x.prod(1), lambda T, x: x.cumprod(1)):
        for values in ([[2.0, 0.0, 3.0, 4.0]], [[0.0, 2.0, 0.0, 5.0]], [[1.0, 2.0, 3.0, 0.0]]):
            check_parity(fn, [np.array(values)], second_order=True)


def test_cumprod_gradient_with_zeros_is_exact():
    values = [2.0, 3.0, 0.0, 4.0, 0.0, 5.0]
    g = _grad(lambda T, x: x.cumprod(0), values)
    # d/dx_j sum_i prod_{k <= i} x_k = sum_{i >= j} prod_{k <= i, k != j} x_k
    x = np.array(values)
    expected = [
        sum(np.prod(np.delete(x[: i + 1], j)) for i in range(j, x.size)) for j in range(x.size)
    ]
    np.testing.assert_allclose(g, expected)


# ---------------------------------------------------------------- norms
def test_two_norm_gradient_at_zero_is_zero():
    g = _grad(lambda T, x: x.norm(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(g, [0, 0, 0])
    g = _grad(lambda T, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(g, [[0, 0], [0.6, 0.8]])
    for p in (1, 1.5, 3, 0.5, "fro"):
        _grad(lambda T, x, p=p: T.norm(x, p), [0.0, 0.0, 2.0])


@pytest.mark.parametrize("p", [1, 2, 3, 0, 0.5, -1, math.inf, -math.inf, "fro"])
def test_norm_values(p):
    values = [[1.0, -2.0, 0.5], [3.0, 0.25, -4.0]]
    for dim in (None, 0, (0, 1)):
        same(
            chainrule.tensor(values).norm(p, dim),
            torch.tensor(values).norm(p, dim),
            rtol=1e-6,
        )


def test_nuclear_norm_goes_to_the_matrix_norm():
    values = [[[1.0, -2.0, 0.5], [3.0, 0.25, -4.0]], [[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]]
    check_parity(lambda T, x: x.norm("nuc", dim=(1, 2)), [np.array(values)])
    check_parity(lambda T, x: T.norm(x[0], "nuc", keepdim=True), [np.array(values)])


# ---------------------------------------------------------------- numerics at magnitude 1e4
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x: T.softmax(x, -1),
        lambda T, x: T.log_softmax(x, -1),
        lambda T, x: x.softmax(0),
        lambda T, x: x.log_softmax(0),
        lambda T, x: T.logsumexp(x, -1),
        lambda T, x: x.logsumexp((0, 1), keepdim=True),
    ],
    ids=["softmax", "log_softmax", "softmax_dim0", "log_softmax_dim0", "lse", "lse_all"],
)
def test_stable_at_magnitude_1e4(fn, dtype):
    values = [[1e4, -1e4, 0.0, 9999.0], [-1e4, -1e4 + 1, -9999.5, -1e4]]
    c, t = pair(values, dtype)
    out_c, out_t = fn(chainrule, c), fn(torch, t)
    assert np.isfinite(out_c.detach().numpy()).all()
    same(out_c, out_t, rtol=1e-6, atol=1e-6)
    seed = np.random.default_rng(0).standard_normal(tuple(out_t.shape)).astype(dtype)
    out_c.backward(chainrule.tensor(seed))
    out_t.backward(torch.tensor(seed))
    assert np.isfinite(c.grad.numpy()).all()
    same(c.grad, t.grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "values",
    [[-math.inf, -math.inf], [math.inf, 1.0], [-math.inf, 0.0], [math.nan, 1.0]],
    ids=["all-neg-inf", "pos-inf", "one-neg-inf", "nan"],
)
def test_infinities_give_torch_values_without_warnings(values):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = chainrule.tensor(values)
        t = torch.tensor(values)
        same(c.softmax(0), t.softmax(0))
        same(c.log_softmax(0), t.log_softmax(0))
        same(c.logsumexp(0), t.logsumexp(0))


def test_softmax_dtype_casts_first():
    c, t = pair([[1.0, 2.0, 3.0]], "float32")
    out_c, out_t = (
        chainrule.softmax(c, 1, dtype=chainrule.float64),
        torch.softmax(t, 1, dtype=torch.float64),
    )
    same(out_c, out_t)
    out_c.sum().backward()
    assert c.grad.dtype == chainrule.float32
    ints = [1, 2, 3]
    same(
        chainrule.tensor(ints).log_softmax(0, dtype=chainrule.float64),
        torch.tensor(ints).log_softmax(0, dtype=torch.float64),
    )


# ---------------------------------------------------------------- non-differentiable results
_INT_LIKE = [
    [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]],
    [[3, 1, 3], [0, 0, 7]],
]
_BOOL = [[True, False, True], [False, False, True]]


def _both(values):
    return chainrule.tensor(values), torch.tensor(values)


def _same_exact(c, t):
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert not c.requires_grad


@pytest.mark.parametrize("values", [*_INT_LIKE, [[1.0, math.nan, 3.0], [math.nan, 0.0, math.nan]]])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(values, name):
    c, t = _both(values)
    for kwargs in ({}, {"keepdim": True}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": 1}):
        _same_exact(getattr(chainrule, name)(c, **kwargs), getattr(torch, name)(t, **kwargs))
        _same_exact(getattr(c, name)(**kwargs), getattr(t, name)(**kwargs))
    _same_exact(getattr(chainrule.tensor(2.0), name)(0), getattr(torch.tensor(2.0), name)(0))


@pytest.mark.parametrize("values", [*_INT_LIKE, _BOOL, [[0.5, 0.0]], [], 3.0])
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(values, name):
    c, t = _both(values)
    _same_exact(getattr(chainrule, name)(c), getattr(torch, name)(t))
    if np.ndim(values) == 2:
        for kwargs in ({"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": (0, 1)}):
            _same_exact(getattr(c, name)(**kwargs), getattr(t, name)(**kwargs))
    u = [[1, 0], [2, 3]]
    _same_exact(
        getattr(chainrule.tensor(u, dtype=chainrule.uint8), name)(1),
        getattr(torch.tensor(u, dtype=torch.uint8), name)(1),
    )


@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_are_stable_with_ties_and_nan(descending):
    values = [[1.0, 3.0, 3.0, math.nan, 2.0, 3.0, math.nan, 1.0]]
    c, t = _both(values)
    for stable in (False, True):
        sc, st_ = (
            c.sort(descending=descending, stable=stable),
            t.sort(descending=descending, stable=stable),
        )
        same(sc.values, st_.values)
        _same_exact(sc.indices, st_.indices)
        _same_exact(
            chainrule.argsort(c, dim=-1, descending=descending, stable=stable),
            torch.argsort(t, dim=-1, descending=descending, stable=stable),
        )
    ints = [[3, 1, 3, 2], [0, 0, -1, 5]]
    ci, ti = _both(ints)
    for dim in (0, 1, -1):
        sc, st_ = ci.sort(dim, descending), ti.sort(dim, descending)
        _same_exact(sc.values, st_.values)
        _same_exact(sc.indices, st_.indices)


def test_topk_unsorted_and_ties_agree_on_values():
    values = [1.0, 3.0, 3.0, 2.0, 3.0]
    c, t = _both(values)
    for largest in (True, False):
        vc, vt = c.topk(2, largest=largest).values, t.topk(2, largest=largest).values
        same(vc, vt)
        unsorted = chainrule.topk(c, 3, largest=largest, sorted=False).values.numpy()
        np.testing.assert_array_equal(
            np.sort(unsorted), np.sort(torch.topk(t, 3, largest=largest, sorted=False).values)
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda T, x: T.max(x, 1),
        lambda T, x: x.min(dim=0, keepdim=True),
        lambda T, x: T.sort(x),
        lambda T, x: x.topk(2),
    ],
    ids=["max", "min", "sort", "topk"],
)
def test_values_indices_named_tuple(call):
    c, t = pair([[1.0, 3.0, 2.0], [5.0, 0.0, 4.0]])
    rc, rt = call(chainrule, c), call(torch, t)
    assert type(rc).__name__ == type(rt).__name__
    values, indices = rc
    assert values is rc.values and indices is rc.indices and rc[0] is values
    same(values, rt.values)
    _same_exact(indices, rt.indices)
    assert indices.dtype == chainrule.int64 and values.requires_grad
    assert "values=" in repr(rc) and "indices=" in repr(rc)


def test_binary_max_delegates_to_maximum(monkeypatch):
    a, b = chainrule.tensor([1.0, 5.0]), chainrule.tensor([3.0, 2.0])
    calls = []
    monkeypatch.setattr(
        chainrule, "maximum", lambda x, y: calls.append((x, y)) or "max", raising=False
    )
    monkeypatch.setattr(
        chainrule, "minimum", lambda x, y: calls.append((y, x)) or "min", raising=False
    )
    assert chainrule.max(a, b) == "max" and a.max(b) == "max" and chainrule.max(a, other=b) == "max"
    assert chainrule.min(a, b) == "min" and a.min(other=b) == "min"
    assert all(x is a and y is b for x, y in calls[:3]) and all(x is b for x, _ in calls[3:])


def test_binary_max_matches_torch():
    if not hasattr(chainrule, "maximum"):
        pytest.skip("chainrule.maximum is not implemented yet")
    check_parity(
        lambda T, x, y: T.max(x, y) + T.min(x, other=y),
        [np.array([1.0, 5.0]), np.array([[3.0], [2.0]])],
    )


# ---------------------------------------------------------------- dtypes of integer inputs
@pytest.mark.parametrize(
    "call",
    [
        lambda T, x: T.sum(x),
        lambda T, x: x.sum(0),
        lambda T, x: T.prod(x),
        lambda T, x: x.prod(1, keepdim=True),
        lambda T, x: T.cumsum(x, 0),
        lambda T, x: x.cumprod(1),
        lambda T, x: x.max(),
        lambda T, x: T.amin(x, 0),
        lambda T, x: x.max(1).values,
        lambda T, x: T.logsumexp(x, 1),
        lambda T, x: x.sum(dtype=T.float64),
        lambda T, x: x.cumsum(1, dtype=T.float32),
        lambda T, x: T.prod(x, dtype=T.int32),
        lambda T, x: x.norm(dtype=T.float64),
    ],
)
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8"])
def test_integer_inputs_give_torch_dtypes(call, dtype):
    values = [[1, 0, 3], [2, 2, 1]]
    c = chainrule.tensor(values, dtype=getattr(chainrule, dtype))
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    try:
        expected = call(torch, t)
    except RuntimeError:  # e.g. logsumexp of bool: both must refuse
        with pytest.raises(RuntimeError):
            call(chainrule, c)
        return
    result = call(chainrule, c)
    assert str(result.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-6)
    assert not result.requires_grad


def test_zero_dim_tensors_accept_dim_zero():
    c, t = pair(2.5, "float64")
    for fn in (
        lambda T, x: x.sum(0),
        lambda T, x: x.mean(-1, keepdim=True),
        lambda T, x: x.prod(0),
        lambda T, x: x.max(0).values,
        lambda T, x: x.amax(0),
        lambda T, x: T.logsumexp(x, 0),
        lambda T, x: x.var(0, correction=0),
        lambda T, x: x.norm(dim=0),
        lambda T, x: x.cumsum(0),
        lambda T, x: x.cumprod(-1),
        lambda T, x: x.sort(0).values,
        lambda T, x: x.topk(1).values,
        lambda T, x: x.softmax(0),
        lambda T, x: x.log_softmax(-1),
    ):
        same(fn(chainrule, c), fn(torch, t))


def test_var_std_spellings_and_degenerate_cases():
    values = [[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]]
    c, t = _both(values)
    for call in (
        lambda T, x: x.var(),
        lambda T, x: x.var(False),
        lambda T, x: T.var(x, 1, True, True),
        lambda T, x: T.std(x, dim=0, unbiased=False),
        lambda T, x: x.std((0, 1), correction=2),
        lambda T, x: x.var(1, correction=0.5, keepdim=True),
    ):
        same(call(chainrule, c), call(torch, t))
    degenerate = [[1.0, 2.0]]  # fewer elements than the correction: inf, or nan for one
    for call in (lambda T, x: x.var(correction=3), lambda T, x: x.std(0)):
        with pytest.warns(UserWarning, match="degrees of freedom"):
            result = call(chainrule, chainrule.tensor(degenerate))
        with pytest.warns(UserWarning):
            expected = call(torch, torch.tensor(degenerate))
        same(result, expected)
    for shape, dim in (((0, 3), 0), ((0, 3), 1), ((0,), None)):  # empty: nan, and a warning
        with pytest.warns(UserWarning, match="degrees of freedom"):
            result = chainrule.var(chainrule.tensor(np.zeros(shape)), dim)
        with pytest.warns(UserWarning):
            expected = torch.var(torch.tensor(np.zeros(shape)), dim)
        same(result, expected)
    c1, t1 = pair([[1.0], [2.0]], "float64")
    with pytest.warns(UserWarning):
        c1.std(1).sum().backward()
    with pytest.warns(UserWarning):
        t1.std(1).sum().backward()
    same(c1.grad, t1.grad)


STD_CALLS = [
    lambda x: x[0].std() + x[1].std(),  # a whole-tensor std of 0 beside a nonzero one
    lambda x: x.std(1),
    lambda x: x.std(1, keepdim=True),
    lambda x: x.std(1, correction=0),
    lambda x: x.std((0, 1)) * 0 + x.std(1).sum(),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call", STD_CALLS)
def test_std_gradient_is_zero_where_every_value_is_the_same_like_torch(call, dtype):
    """A row of equal values has std 0 and a 0 / 0 gradient, which PyTorch masks to 0 (a
    NaN there would poison a whole training step); to second order too."""
    x0 = np.array([[2.0, 2.0, 2.0], [1.0, 3.0, 2.0], [-4.0, -4.0, -4.0]], dtype=dtype)
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(x0, requires_grad=True)
        (g,) = lib.autograd.grad(call(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*results):
        assert np.isfinite(ours).all()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
