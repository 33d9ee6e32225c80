"""Pooling: max_pool1d/2d (indices, PyTorch's tie and NaN rules), avg_pool1d/2d
(ceil_mode, count_include_pad, divisor_override), adaptive_avg_pool1d/2d, and their layers,
against PyTorch; reprs, argument errors, gradcheck / gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import chainrule
import chainrule.nn as cnn
import chainrule.nn.functional as CF
from chainrule.autograd import gradcheck, gradgradcheck
from nnpair import assert_close, check_module

DTYPES = [np.float32, np.float64]


def _parity(name, x, *args, **kwargs):
    """Values (and indices) and input gradients of CF.name vs TF.name on the array x."""
    c_x = chainrule.tensor(x, requires_grad=True)
    t_x = torch.tensor(x, requires_grad=True)
    c_out, t_out = getattr(CF, name)(c_x, *args, **kwargs), getattr(TF, name)(t_x, *args, **kwargs)
    if isinstance(t_out, tuple):
        assert_close(c_out[1], t_out[1], what="indices")
        c_out, t_out = c_out[0], t_out[0]
    tol = dict(rtol=1e-6, atol=1e-6) if x.dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert_close(c_out, t_out, what="output", **tol)
    g = np.random.default_rng(5).standard_normal(tuple(t_out.shape)).astype(x.dtype)
    c_out.backward(chainrule.tensor(g))
    t_out.backward(torch.tensor(g))
    assert_close(c_x.grad, t_x.grad, what="grad", **tol)


MAX_POOL2D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    ((3, 2), {"stride": (2, 1), "padding": (1, 0), "dilation": (2, 1)}),
    (3, {"stride": 2, "ceil_mode": True}),
    (2, {"stride": 3, "padding": 1, "ceil_mode": True}),
    (3, {"stride": 1, "padding": 1, "dilation": 2}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,kwargs", MAX_POOL2D)
def test_max_pool2d_matches_torch(kernel, kwargs, dtype):
    rng = np.random.default_rng(0)
    # rounded values: many ties, which PyTorch breaks in favour of the first maximum
    x = np.round(rng.standard_normal((2, 3, 7, 8)) * 2).astype(dtype)
    _parity("max_pool2d", x, kernel, return_indices=True, **kwargs)
    _parity("max_pool2d", x[0], kernel, return_indices=True, **kwargs)  # unbatched


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel,kwargs",
    [
        (2, {}),
        (3, {"stride": 2, "padding": 1, "dilation": 2}),
        (4, {"stride": 3, "ceil_mode": True}),
    ],
)
def test_max_pool1d_matches_torch(kernel, kwargs, dtype):
    x = np.round(np.random.default_rng(0).standard_normal((2, 3, 11)) * 2).astype(dtype)
    _parity("max_pool1d", x, kernel, return_indices=True, **kwargs)
    _parity("max_pool1d", x[1], kernel, **kwargs)


def test_max_pool_special_values():
    # -inf everywhere: the padding never wins, the first in-bounds position does;
    # NaN: propagates, and PyTorch's index is the last NaN of the window.
    x = np.array([[[[-np.inf, -np.inf, -np.inf, -np.inf], [1.0, np.nan, 3.0, np.nan]]]])
    for kwargs in ({"kernel_size": (1, 2), "padding": (0, 1)}, {"kernel_size": (2, 4)}):
        c_y, c_i = CF.max_pool2d(chainrule.tensor(x), return_indices=True, **kwargs)
        t_y, t_i = TF.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
        np.testing.assert_array_equal(c_y.numpy(), t_y.numpy())
        np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


def test_max_pool2d_integer_input():
    x = np.random.default_rng(0).integers(-5, 5, (1, 2, 6, 6))
    c_y, c_i = CF.max_pool2d(chainrule.tensor(x), 3, 2, 1, return_indices=True)
    t_y, t_i = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert_close(c_y, t_y)
    assert_close(c_i, t_i)


AVG_POOL2D = [
    (2, {}),
    (3, {"stride": 2, "padding": 1}),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
    ((3, 2), {"stride": (2, 3), "padding": (1, 1), "ceil_mode": True}),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    (2, {"stride": 3, "padding": 1, "ceil_mode": True, "divisor_override": 3}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,kwargs", AVG_POOL2D)
def test_avg_pool2d_matches_torch(kernel, kwargs, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(dtype)
    _parity("avg_pool2d", x, kernel, **kwargs)
    _parity("avg_pool2d", x[0], kernel, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel,kwargs",
    [
        (3, {}),
        (3, {"stride": 2, "padding": 1, "count_include_pad": False}),
        (4, {"ceil_mode": True, "stride": 3, "padding": 2}),
    ],
)
def test_avg_pool1d_matches_torch(kernel, kwargs, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 11)).astype(dtype)
    _parity("avg_pool1d", x, kernel, **kwargs)
    _parity("avg_pool1d", x[0], kernel, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [(3, 4), (1, 1), 7, (None, 3), (5, None), (2, 5), 9])
def test_adaptive_avg_pool2d_matches_torch(size, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(dtype)
    _parity("adaptive_avg_pool2d", x, size)
    _parity("adaptive_avg_pool2d", x[1], size)


def test_adaptive_avg_pool2d_to_an_empty_output():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    c_y = CF.adaptive_avg_pool2d(chainrule.tensor(x), (0, 2))
    assert_close(c_y, TF.adaptive_avg_pool2d(torch.tensor(x), (0, 2)))


@pytest.mark.parametrize("size", [1, 3, 4, 11, 13])
def test_adaptive_avg_pool1d_matches_torch(size):
    x = np.random.default_rng(0).standard_normal((2, 3, 11))
    _parity("adaptive_avg_pool1d", x, size)
    _parity("adaptive_avg_pool1d", x[0].astype(np.float32), size)


# ---------------------------------------------------------------- layers
MODULES = [
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "return_indices": True}),
    ("MaxPool2d", ((2, 3),), {"dilation": 2, "ceil_mode": True}),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool2d", (2,), {"ceil_mode": True, "divisor_override": 3, "stride": 3}),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("AdaptiveAvgPool2d", ((3, None),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool1d", (4,), {}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_pooling_layers_match_torch(name, args, kwargs, dtype):
    c_mod, t_mod = getattr(cnn, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)
    spatial = (7, 8) if name.endswith("2d") else (11,)
    x = np.random.default_rng(0).standard_normal((2, 3) + spatial).astype(dtype)
    check_module(c_mod, t_mod, x)
    check_module(c_mod, t_mod, x[0], train=False)
    assert repr(c_mod) == repr(t_mod)


@pytest.mark.parametrize(
    "name,args,kwargs",
    [
        ("MaxPool2d", (3,), {}),
        ("MaxPool2d", ((2, 3),), {"stride": 1, "padding": 1, "dilation": 2, "ceil_mode": True}),
        ("MaxPool1d", (3,), {"stride": 2}),
        ("AvgPool2d", (3, 2, 1, True, False, 2), {}),
        ("AvgPool1d", (3,), {}),
        ("AdaptiveAvgPool2d", ((None, 3),), {}),
        ("AdaptiveAvgPool2d", (5,), {}),
        ("AdaptiveAvgPool1d", (4,), {}),
    ],
)
def test_repr_is_torchs(name, args, kwargs):
    assert repr(getattr(cnn, name)(*args, **kwargs)) == repr(getattr(tnn, name)(*args, **kwargs))


# ---------------------------------------------------------------- errors
ERRORS = [
    ("max_pool2d", (2, 3, 8, 8), (3,), {"padding": 2}),
    ("max_pool2d", (2, 3, 8, 8), (3,), {"stride": 0}),
    ("max_pool2d", (2, 3, 8, 8), (3,), {"dilation": 0}),
    ("max_pool2d", (2, 3, 8, 8), (9,), {}),
    ("max_pool2d", (3, 8), (2,), {}),
    ("max_pool2d", (2, 3, 8, 8), (3,), {"padding": -1}),
    ("max_pool2d", (2, 3, 8, 8), ((2, 2, 2),), {}),
    ("max_pool2d", (2, 3, 8, 8), (2,), {"stride": -1}),
    ("max_pool2d", (2, 0, 8, 8), (2,), {}),
    ("max_pool1d", (8,), (2,), {}),
    ("avg_pool2d", (2, 3, 8, 8), (3,), {"padding": 2}),
    ("avg_pool2d", (2, 3, 8, 8), (9,), {}),
    ("avg_pool2d", (2, 3, 8, 8), (3,), {"stride": 0}),
    ("avg_pool2d", (2, 3, 8, 8), (3,), {"divisor_override": 0}),
    ("avg_pool2d", (2, 3, 8, 8), ((1, 2, 3),), {}),
    ("avg_pool1d", (8,), (3,), {}),
    ("adaptive_avg_pool2d", (2, 3, 8, 8), ((3, 3, 3),), {}),
    ("adaptive_avg_pool2d", (8, 8), (3,), {}),
    ("adaptive_avg_pool2d", (2, 3, 8, 8), (-1,), {}),
    ("adaptive_avg_pool2d", (2, 3, 0, 4), (3,), {}),
    ("adaptive_avg_pool1d", (8,), (3,), {}),
]


@pytest.mark.parametrize("name,shape,args,kwargs", ERRORS)
def test_errors_match_torch(name, shape, args, kwargs):
    x = np.zeros(shape, np.float32)
    with pytest.raises(Exception) as t_err:
        getattr(TF, name)(torch.tensor(x), *args, **kwargs)
    with pytest.raises(type(t_err.value)) as c_err:
        getattr(CF, name)(chainrule.tensor(x), *args, **kwargs)
    assert type(c_err.value) is type(t_err.value)


# ---------------------------------------------------------------- finite differences
GRADCHECK = {
    "max_pool2d": lambda x: CF.max_pool2d(x, 3, stride=2, padding=1, dilation=(1, 2)),
    "max_pool1d": lambda x: CF.max_pool1d(x[0], 2, ceil_mode=True),
    "avg_pool2d": lambda x: CF.avg_pool2d(x, 3, 2, 1, True, False),
    "avg_pool1d": lambda x: CF.avg_pool1d(x[0], 2, padding=1),
    "adaptive_avg_pool2d": lambda x: CF.adaptive_avg_pool2d(x, (2, 3)),
    "adaptive_avg_pool2d_even": lambda x: CF.adaptive_avg_pool2d(x, (1, 5)),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_and_gradgradcheck(name):
    # distinct values, so that no eps-sized nudge changes which element is a window's max
    x = np.random.default_rng(0).permutation(50).reshape(1, 2, 5, 5) / 7.0
    t = chainrule.tensor(x, requires_grad=True)
    assert gradcheck(GRADCHECK[name], (t,))
    assert gradgradcheck(GRADCHECK[name], (t,))


def test_max_pool_double_backward_matches_torch():
    # the gradient of the gradient: max_pool's backward (a scatter) is itself differentiable
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6))
    results = []
    for lib, F in ((chainrule, CF), (torch, TF)):
        xt = lib.tensor(x, requires_grad=True)
        y = F.max_pool2d(xt * xt, 3, stride=2, padding=1)
        (gx,) = lib.autograd.grad(y.sum(), [xt], create_graph=True)
        (gx * gx.detach()).sum().backward()
        results.append((gx, xt.grad))
    for c, t in zip(*results):
        assert_close(c, t, rtol=1e-12, atol=1e-12)
