"""Running reductions along one dim: cumsum and cumprod."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from .reduction import _as_array, _integral_to_int64, without_self

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "cumsum",
    "cumprod",
]


def _running_sum(x: np.ndarray, dim: int, reverse: bool) -> np.ndarray:
    if reverse:  # y_i = sum_{j >= i} x_j
        return np.flip(np.cumsum(np.flip(x, dim), axis=dim, dtype=x.dtype), dim).copy()
    return np.cumsum(x, axis=dim, dtype=x.dtype)


class Cumsum(Op):
    """Running sum along ``dim`` (from the end when ``reverse``).

    forward:  y_i = sum_{j <= i} x_j          (reverse: sum_{j >= i} x_j)
    gradient: dL/dx_j = sum_{i >= j} g_i     (reverse: sum_{i <= j} g_i), i.e. the running
              sum of g in the other direction
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, x, dim, reverse):
        ctx.dim, ctx.reverse = dim, reverse
        if x.ndim == 0:
            return x.copy()
        return _running_sum(x, dim, reverse)

    @staticmethod
    def backward(ctx, g):
        return cumsum_dual(g, ctx.dim, not ctx.reverse), None, None


def cumsum_dual(x, dim: int, reverse: bool = False):
    """Running sum on an array or, recorded, on a Tensor."""
    if isinstance(x, Tensor):
        return Cumsum.apply(x, dim, reverse)
    if x.ndim == 0:
        return x
    return _running_sum(x, dim, reverse)


class Cumprod(Op):
    """Running product along ``dim``.

    forward:  y_i = prod_{j <= i} x_j
    gradient: dL/dx_j = sum_{i >= j} g_i * prod_{k <= i, k != j} x_k, which is
              (sum_{i >= j} g_i y_i) / x_j when x has no zeros; with zeros the products that
              leave x_j out are formed directly, as PyTorch does
    saves:    x, y
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            y = x.copy()
        else:
            y = np.cumprod(x, axis=dim, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dim = ctx.dim
        x_arr = _as_array(x)
        if x_arr.ndim == 0 or x_arr.shape[dim] <= 1:
            return g, None
        if not (x_arr == 0).any():
            return cumsum_dual(g * y, dim, reverse=True) / x, None
        if isinstance(x, Tensor):
            return _omitted_products_grad(g, x, dim), None
        return _zeros_grad(g, x, y, dim), None


def _zeros_grad(g: np.ndarray, x: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    """The cumprod gradient for an input with zeros, in O(n) (not itself differentiable).

    Let z1 be the first zero of a slice. Before z1, the no-zero formula holds (y_i = 0 from
    z1 on, so those terms vanish). At z1: x_{z1} times everything up to the next zero.
    After z1: every product leaving x_j out still holds x_{z1} = 0, so the gradient is 0.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        is_zero = x == 0
        zeros_so_far = np.cumsum(is_zero, axis=dim)
        before = zeros_so_far == 0
        safe_x = np.where(before, x, 1)
        grad = np.where(before, _running_sum(np.where(before, g * y, 0), dim, True) / safe_x, 0)
        first = is_zero & (zeros_so_far == 1)
        # prod_{k < z1} x_k, then the running products of the elements after z1 up to i
        head = np.prod(np.where(before, x, 1), axis=dim, keepdims=True)
        after_first = (zeros_so_far == 1) & ~first
        tail = np.cumprod(np.where(after_first, x, 1), axis=dim)
        at_first = head * np.sum(np.where(zeros_so_far == 1, g * tail, 0), axis=dim, keepdims=True)
        return np.where(first, at_first, grad).astype(g.dtype, copy=False)


def _omitted_products_grad(g: Tensor, x: Tensor, dim: int) -> Tensor:
    """The cumprod gradient for a recorded backward pass over an input with zeros.

    C[j, i] = prod_{k <= i, k != j} x_k is the running product of row j of ``without_self``;
    the gradient is sum_{i >= j} g_i C[j, i]. Built from differentiable ops, it is exact
    when differentiated again (PyTorch uses an O(n^2) formula here too).
    """
    n = x.shape[dim]
    shape = tuple(x.shape)
    omitted = Cumprod.apply(without_self(x, dim), dim + 1)
    later = np.triu(np.ones((n, n), dtype=bool))  # i >= j, with j on axis dim, i on dim + 1
    later = later.reshape((1,) * dim + (n, n) + (1,) * (len(shape) - dim - 1))
    g_row = D.reshape(g, shape[:dim] + (1,) + shape[dim:])
    return D.sum_dims(D.where(later, g_row * omitted, 0.0), (dim + 1,), False)


def cumsum(input: Tensor, dim: int, *, dtype=None):
    """Running sum along ``dim``; integer and bool tensors accumulate in int64."""
    input = _integral_to_int64(input, dtype)
    return Cumsum.apply(input, _check_dim(dim, input._data.ndim, "cumsum"), False)


def cumprod(input: Tensor, dim: int, *, dtype=None):
    """Running product along ``dim``; integer and bool tensors accumulate in int64."""
    input = _integral_to_int64(input, dtype)
    return Cumprod.apply(input, _check_dim(dim, input._data.ndim, "cumprod"))
