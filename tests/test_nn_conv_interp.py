"""F.interpolate and nn.Upsample against PyTorch: nearest / nearest-exact source indices
(PyTorch's float32 coordinate maths, swept over many sizes and scale factors), linear and
bilinear with and without align_corners, area; gradients, reprs, errors, gradcheck."""

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

SIZES = list(range(1, 12)) + [16, 26, 30]  # 26 -> 46: float32 rounding matters
SCALES = [0.3, 0.5, 0.7, 1.1, 4 / 3, 1.5, 1.7, 2.0, 2.3, 2.5, 3.0, 3.3]


def _both(x, **kwargs):
    return CF.interpolate(chainrule.tensor(x), **kwargs), TF.interpolate(torch.tensor(x), **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_indices_over_many_sizes(mode, dtype):
    # x = arange: the output lists the source index of every output position
    for n in SIZES:
        x = np.arange(n, dtype=dtype).reshape(1, 1, n)
        for out in range(1, 3 * n + 2):
            c, t = _both(x, size=out, mode=mode)
            np.testing.assert_array_equal(c.numpy(), t.numpy(), err_msg=f"{n} -> {out}")
        for s in SCALES:
            if int(n * s) < 1:
                continue
            for recompute in (None, True):
                c, t = _both(x, scale_factor=s, mode=mode, recompute_scale_factor=recompute)
                np.testing.assert_array_equal(c.numpy(), t.numpy(), err_msg=f"{n} * {s}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("align_corners", [False, True])
def test_linear_weights_over_many_sizes(align_corners, dtype):
    rng = np.random.default_rng(0)
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
    for n in SIZES:
        x = rng.standard_normal((1, 2, n)).astype(dtype)
        for out in range(1, 3 * n + 2, 2):
            c, t = _both(x, size=out, mode="linear", align_corners=align_corners)
            assert_close(c, t, what=f"{n} -> {out}", **tol)
        for s in SCALES:
            if int(n * s) >= 1:
                c, t = _both(x, scale_factor=s, mode="linear", align_corners=align_corners)
                assert_close(c, t, what=f"{n} * {s}", **tol)


CASES = [
    ({"size": (5, 11)}, "nearest", None),
    ({"scale_factor": 2}, "nearest", None),
    ({"scale_factor": (1.7, 0.6)}, "nearest", None),
    ({"size": 3}, "nearest-exact", None),
    ({"size": (5, 11)}, "bilinear", False),
    ({"size": (5, 11)}, "bilinear", True),
    ({"scale_factor": (1.7, 0.6)}, "bilinear", False),
    ({"scale_factor": 0.5}, "bilinear", True),
    ({"scale_factor": (2.3, 1.7), "recompute_scale_factor": True}, "bilinear", False),
    ({"size": (3, 5)}, "area", None),
    ({"scale_factor": 0.5}, "area", None),
    ({"size": (7, 8)}, "bilinear", False),  # same size: an exact copy
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs,mode,align_corners", CASES)
def test_interpolate_2d_values_and_gradients(kwargs, mode, align_corners, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    c_x, t_x = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_y = CF.interpolate(c_x, mode=mode, align_corners=align_corners, **kwargs)
    t_y = TF.interpolate(t_x, mode=mode, align_corners=align_corners, **kwargs)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert_close(c_y, t_y, **tol)
    g = rng.standard_normal(tuple(t_y.shape)).astype(dtype)
    c_y.backward(chainrule.tensor(g))
    t_y.backward(torch.tensor(g))
    assert_close(c_x.grad, t_x.grad, **tol)


def test_interpolate_nearest_5d():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4, 5))
    c, t = _both(x, size=(4, 6, 3))
    assert_close(c, t)


UPSAMPLE = [
    ({"scale_factor": 2}, (2, 3, 4, 5)),
    ({"size": (3, 7), "mode": "bilinear"}, (2, 3, 4, 5)),
    ({"scale_factor": (1.5, 2.0), "mode": "bilinear", "align_corners": True}, (2, 3, 4, 5)),
    ({"size": 9, "mode": "linear"}, (2, 3, 4)),
    ({"scale_factor": 3}, (2, 3, 4)),
]


@pytest.mark.parametrize("kwargs,shape", UPSAMPLE)
def test_upsample_layer_matches_torch(kwargs, shape):
    c_mod, t_mod = cnn.Upsample(**kwargs), tnn.Upsample(**kwargs)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    check_module(c_mod, t_mod, x)
    assert repr(c_mod) == repr(t_mod)


def test_upsampling_aliases_match_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    check_module(
        cnn.UpsamplingNearest2d(scale_factor=2), tnn.UpsamplingNearest2d(scale_factor=2), x
    )
    check_module(cnn.UpsamplingBilinear2d(size=(5, 7)), tnn.UpsamplingBilinear2d(size=(5, 7)), x)
    assert repr(cnn.UpsamplingBilinear2d(size=(5, 7))) == repr(
        tnn.UpsamplingBilinear2d(size=(5, 7))
    )


ERRORS = [
    ((2, 3, 8, 8), {}),
    ((2, 3, 8, 8), {"size": 3, "scale_factor": 2}),
    ((2, 3, 8, 8), {"size": (3, 4, 5)}),
    ((2, 3, 8, 8), {"scale_factor": (2, 3, 4)}),
    ((2, 3, 8, 8), {"size": 3, "align_corners": True}),
    ((2, 3, 5), {"size": 3, "mode": "bilinear"}),
    ((2, 3, 8, 8), {"size": 3, "mode": "linear"}),
    ((2, 3, 8, 8), {"size": 3, "mode": "fancy"}),
    ((2, 3, 8, 8), {"size": 3, "recompute_scale_factor": True}),
    ((2, 3, 8, 8), {"size": 0}),
    ((2, 3, 8, 8), {"scale_factor": 0.01}),
    ((3, 4), {"size": 3}),
    ((2, 3, 8, 8), {"size": 3, "antialias": True}),
    ((2, 3, 8, 8), {"size": (3, None)}),
]


@pytest.mark.parametrize("shape,kwargs", ERRORS)
def test_errors_match_torch(shape, kwargs):
    x = np.zeros(shape, np.float32)
    with pytest.raises(Exception) as t_err:
        TF.interpolate(torch.tensor(x), **kwargs)
    with pytest.raises(type(t_err.value)) as c_err:
        CF.interpolate(chainrule.tensor(x), **kwargs)
    assert type(c_err.value) is type(t_err.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": (3, 5), "mode": "nearest"},
        {"scale_factor": 0.7, "mode": "nearest-exact"},
        {"size": (5, 3), "mode": "bilinear"},
        {"scale_factor": 1.5, "mode": "bilinear", "align_corners": True},
        {"size": (2, 3), "mode": "area"},
    ],
)
def test_gradcheck_and_gradgradcheck(kwargs):
    x = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    fn = lambda t: CF.interpolate(t, **kwargs)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
