"""Reductions over dimensions: sum and mean."""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy_dtype
from ..tensor import Tensor
from . import _dual as D
from ._op import Op
from ._util import normalize_dims

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "sum",
    "mean",
]


def _kept_shape(shape: tuple, dims) -> tuple:
    """``shape`` with the reduced dims kept as size 1 (keepdim=True's result shape)."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


class Sum(Op):
    """Sum over ``dims`` (all of them when None).

    forward:  y = sum_{dims} x
    gradient: dL/dx = g, broadcast back over the summed dims
    saves:    x's shape
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.asarray(x.sum(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = D.reshape(g, _kept_shape(ctx.shape, ctx.dims))
        return D.expand(g, ctx.shape), None, None


class SumDim(Sum):
    node_name = "SumBackward1"  # PyTorch's name when dim is given


class Mean(Op):
    """Mean over ``dims`` (all of them when None).

    forward:  y = sum_{dims} x / n,  n = number of elements averaged
    gradient: dL/dx = g / n, broadcast back over the averaged dims
    saves:    x's shape
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        total = np.asarray(x.sum(axis=dims, keepdims=keepdim))
        if ctx.n == 0:  # the mean of nothing is nan (PyTorch's answer, without a warning)
            return np.full(total.shape, np.nan, x.dtype)
        return np.asarray(x.mean(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = D.reshape(g, _kept_shape(ctx.shape, ctx.dims))
        return D.expand(g, ctx.shape) / ctx.n, None, None


class MeanDim(Mean):
    node_name = "MeanBackward1"


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """Sum of elements over ``dim`` (an int, a tuple of ints, or None for all).

    Integer and bool tensors sum to int64, as in PyTorch.
    """
    if dtype is not None:
        input = input.to(to_numpy_dtype(dtype))
    elif input._data.dtype.kind in "biu" and input._data.dtype != np.int64:
        input = input.to(np.int64)
    dims = normalize_dims(dim, input._data.ndim, "sum")
    return (Sum if dim is None else SumDim).apply(input, dims, keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None):
    """Mean of elements over ``dim``; only floating tensors (as in PyTorch)."""
    if dtype is not None:
        input = input.to(to_numpy_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {input.dtype}"
        )
    dims = normalize_dims(dim, input._data.ndim, "mean")
    return (Mean if dim is None else MeanDim).apply(input, dims, keepdim)
