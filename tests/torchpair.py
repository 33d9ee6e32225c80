"""Build the same leaf in chainrule and in PyTorch, and compare results across the two."""

from __future__ import annotations

import numpy as np
import torch

import chainrule


def pair(values, dtype="float32", requires_grad=True):
    """The same leaf in both libraries."""
    arr = np.asarray(values, dtype=dtype)
    return (
        chainrule.tensor(arr.copy(), requires_grad=requires_grad),
        torch.tensor(arr.copy(), requires_grad=requires_grad),
    )


def same(c, t, rtol=1e-6, atol=1e-7):
    """A chainrule tensor equals a torch tensor: values, shape and dtype."""
    assert c is not None and t is not None, (c, t)
    c_arr = np.asarray(c.detach().numpy())
    t_arr = t.detach().numpy()
    assert c_arr.shape == t_arr.shape
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(c_arr, t_arr, rtol=rtol, atol=atol)


def make_square(Function):
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    return Square
