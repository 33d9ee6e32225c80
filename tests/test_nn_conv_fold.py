"""unfold / fold (im2col / col2im) against PyTorch, their adjoint identity, and float64
gradcheck / gradgradcheck of unfold, fold, conv1d, conv2d and conv_transpose2d; second
derivatives of a convolution against PyTorch's."""

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

UNFOLD = [
    (2, {}),
    ((2, 3), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
    (3, {"stride": 2, "padding": (0, 2)}),
    (1, {}),
    ((3, 1), {"dilation": 2, "stride": 3, "padding": (2, 0)}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel,kwargs", UNFOLD)
def test_unfold_and_fold_match_torch(kernel, kwargs, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    c_x, t_x = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_cols, t_cols = CF.unfold(c_x, kernel, **kwargs), TF.unfold(t_x, kernel, **kwargs)
    assert_close(c_cols, t_cols, what="unfold")
    # fold the columns back (overlapping windows add up), then backward through both
    c_y, t_y = CF.fold(c_cols, (7, 8), kernel, **kwargs), TF.fold(t_cols, (7, 8), kernel, **kwargs)
    assert_close(c_y, t_y, rtol=1e-5, atol=1e-5, what="fold")
    g = rng.standard_normal(tuple(t_y.shape)).astype(dtype)
    c_y.backward(chainrule.tensor(g))
    t_y.backward(torch.tensor(g))
    assert_close(c_x.grad, t_x.grad, rtol=1e-5, atol=1e-5, what="grad")


def test_unbatched_unfold_and_fold():
    x = np.random.default_rng(0).standard_normal((3, 5, 6))
    c_cols, t_cols = CF.unfold(chainrule.tensor(x), 2), TF.unfold(torch.tensor(x), 2)
    assert_close(c_cols, t_cols)
    assert_close(CF.fold(c_cols, (5, 6), 2), TF.fold(t_cols, (5, 6), 2))


@pytest.mark.parametrize("kernel,kwargs", UNFOLD)
def test_fold_is_the_adjoint_of_unfold(kernel, kwargs):
    # <unfold(x), c> == <x, fold(c)>: the identity that makes each the other's gradient
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 8))
    cols = CF.unfold(chainrule.tensor(x), kernel, **kwargs)
    c = rng.standard_normal(cols.shape)
    folded = CF.fold(chainrule.tensor(c), (7, 8), kernel, **kwargs)
    lhs = float((cols.numpy() * c).sum())
    rhs = float((x * folded.numpy()).sum())
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_unfold_and_fold_modules():
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5)).astype(np.float32)
    check_module(cnn.Unfold(2, padding=1, stride=2), tnn.Unfold(2, padding=1, stride=2), x)
    cols = np.random.default_rng(1).standard_normal((2, 8, 36)).astype(np.float32)
    check_module(cnn.Fold((5, 5), 2, dilation=1, padding=1), tnn.Fold((5, 5), 2, padding=1), cols)


ERRORS = [
    ("unfold", (2, 3, 8, 8), (3,), {"padding": -1}),
    ("unfold", (2, 3, 8, 8), (9,), {}),
    ("unfold", (8, 8), (3,), {}),
    ("unfold", (2, 3, 8, 8), (0,), {}),
    ("unfold", (2, 3, 8, 8), (3,), {"stride": 0}),
    ("unfold", (2, 3, 8, 8), ((3, 3, 3),), {}),
    ("fold", (2, 11, 9), ((4, 4), 2), {}),
    ("fold", (12,), ((4, 4), 2), {}),
    ("fold", (2, 12, 9), ((1, 1), 2), {}),
    ("fold", (2, 12, 8), ((4, 4), 2), {}),
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
def _f64(rng, *shape):
    return chainrule.tensor(rng.standard_normal(shape), requires_grad=True)


GRADCHECK = {
    "unfold": (
        lambda x: CF.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=2),
        [(1, 2, 4, 5)],
    ),
    "fold": (lambda c: CF.fold(c, (3, 4), 2, padding=1, stride=(1, 2)), [(1, 8, 12)]),
    "conv1d": (
        lambda x, w, b: CF.conv1d(x, w, b, stride=2, padding="valid", dilation=2, groups=2),
        [(1, 4, 7), (2, 2, 2), (2,)],
    ),
    "conv2d": (
        lambda x, w, b: CF.conv2d(x, w, b, stride=(1, 2), padding=1, groups=2),
        [(1, 2, 4, 4), (2, 1, 2, 3), (2,)],
    ),
    "conv2d_same": (lambda x, w: CF.conv2d(x, w, padding="same"), [(1, 1, 4, 4), (2, 1, 2, 2)]),
    "conv_transpose2d": (
        lambda x, w, b: CF.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(1, 2, 3, 2), (2, 1, 3, 2), (1,)],
    ),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    fn, shapes = GRADCHECK[name]
    rng = np.random.default_rng(0)
    assert gradcheck(fn, tuple(_f64(rng, *s) for s in shapes))


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradgradcheck(name):
    fn, shapes = GRADCHECK[name]
    rng = np.random.default_rng(0)
    assert gradgradcheck(fn, tuple(_f64(rng, *s) for s in shapes))


def test_second_derivative_of_conv2d_matches_torch():
    # d/dw of |dL/dx|^2: the weight gradient of a gradient (as in a gradient penalty)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    results = []
    for lib, F in ((chainrule, CF), (torch, TF)):
        xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = F.conv2d(xt, wt, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), [xt], create_graph=True)
        (gx * gx).sum().backward()
        results.append((gx, wt.grad, xt.grad))
    for c, t in zip(*results):
        assert_close(c, t, rtol=1e-9, atol=1e-9)
