"""F.pad against PyTorch: constant (any number of dims, negative amounts crop, fill value,
integer tensors), reflect, replicate and circular (1 to 3 padded dims, batched and not),
gradients, argument errors, gradcheck / gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule
import chainrule.nn.functional as CF
from chainrule.autograd import gradcheck, gradgradcheck
from nnpair import assert_close

CASES = [
    ((2, 3, 5), (1, 2), "constant", None),
    ((2, 3, 5, 6), (1, -2, 3, 0), "constant", 1.5),
    ((2, 3, 5, 6), (-1, -2), "constant", None),
    ((2, 3, 4, 5), (1, 1, 2, 2, 0, 1, 1, 0), "constant", -2.0),  # all four dims
    ((5,), (2, 3), "constant", 0.5),
    ((2, 3, 5), (1, 2), "reflect", None),
    ((3, 5), (4, 4), "reflect", None),  # pads up to size - 1
    ((2, 3, 5, 6), (1, 2, 3, 1), "reflect", None),
    ((2, 3, 4, 5, 6), (1, 1, 2, 2, 3, 3), "reflect", None),
    ((2, 3, 5), (-1, 3), "reflect", None),
    ((2, 3, 5, 6), (4, 2, 0, 3), "replicate", None),
    ((3, 5, 6), (7, 0, 1, 9), "replicate", None),
    ((2, 3, 5), (-2, -1), "replicate", None),
    ((2, 3, 5, 6), (4, 2, 0, 3), "circular", None),
    ((3, 5, 6), (6, 1, 2, 5), "circular", None),  # pads up to the size
    ((2, 3, 5), (-1, 3), "circular", None),  # cropping first, then wrapping
    ((1, 2, 3, 4, 5), (1, 2, 2, 1, 3, 0), "circular", None),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,pad,mode,value", CASES)
def test_pad_matches_torch(shape, pad, mode, value, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    c_x, t_x = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    c_y, t_y = CF.pad(c_x, pad, mode, value), TF.pad(t_x, pad, mode, value)
    assert_close(c_y, t_y, rtol=0, atol=0)
    g = rng.standard_normal(tuple(t_y.shape)).astype(dtype)
    c_y.backward(chainrule.tensor(g))
    t_y.backward(torch.tensor(g))
    assert_close(c_x.grad, t_x.grad, rtol=1e-6)


def test_pad_keeps_integer_dtype():
    x = np.arange(6).reshape(1, 2, 3)
    assert_close(
        CF.pad(chainrule.tensor(x), (1, 1), value=2), TF.pad(torch.tensor(x), (1, 1), value=2)
    )
    assert_close(
        CF.pad(chainrule.tensor(x), (1, 1), "reflect"), TF.pad(torch.tensor(x), (1, 1), "reflect")
    )


def test_pad_accepts_value_zero_for_other_modes():
    x = np.random.default_rng(0).standard_normal((2, 3, 5))
    c_y = CF.pad(chainrule.tensor(x), [1, 1], "reflect", 0)
    assert_close(c_y, TF.pad(torch.tensor(x), [1, 1], "reflect", 0))


ERRORS = [
    ((2, 3, 8, 8), (1, 2, 3), "constant", None),
    ((2, 3, 8, 8), (1,) * 10, "constant", None),
    ((2, 3, 8, 8), (-5, -4), "constant", None),
    ((2, 3, 8, 8), (1.5, 1), "constant", None),
    ((2, 3, 8, 8), (1, 1), "mirror", None),
    ((2, 3, 8, 8), (1, 1), "reflect", None),  # one padded dim of a 4-D input
    ((2, 3, 8, 8), (1,) * 8, "replicate", None),
    ((8,), (1, 1), "reflect", None),
    ((3, 8), (1, 1, 1, 1), "circular", None),
    ((2, 3, 8, 8), (8, 8, 1, 1), "reflect", None),
    ((2, 3, 8, 8), (1, 1, 8, 7), "reflect", None),
    ((2, 3, 8, 8), (9, 1, 1, 1), "circular", None),
    ((2, 3, 8, 8), (1, 1, 1, 1), "reflect", 1.0),
    ((2, 3, 0, 4), (1, 1, 1, 1), "replicate", None),
    ((2, 3, 1, 4), (0, 0, 1, 1), "reflect", None),
]


@pytest.mark.parametrize("shape,pad,mode,value", ERRORS)
def test_errors_match_torch(shape, pad, mode, value):
    x = np.zeros(shape, np.float32)
    with pytest.raises(Exception) as t_err:
        TF.pad(torch.tensor(x), pad, mode, value)
    with pytest.raises(type(t_err.value)) as c_err:
        CF.pad(chainrule.tensor(x), pad, mode, value)
    assert type(c_err.value) is type(t_err.value)


@pytest.mark.parametrize(
    "pad,mode",
    [
        ((1, 2, -1, 1), "constant"),
        ((2, 1, 1, 2), "reflect"),
        ((3, 0, 1, 2), "replicate"),
        ((2, 3, 1, 0), "circular"),
    ],
)
def test_gradcheck_and_gradgradcheck(pad, mode):
    x = chainrule.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    fn = lambda t: CF.pad(t, pad, mode)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
