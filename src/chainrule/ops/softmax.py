"""The log-sum-exp family: softmax, log_softmax and logsumexp, each fused into one op that
stays finite for large inputs."""

from __future__ import annotations

import numpy as np

from .._dtype import default_float_np, to_numpy_dtype
from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from ._quiet import quiet
from .reduction import _count, _kept_shape, _out_shape, _reduced_dims

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
]


def _shifted(x: np.ndarray, dims):
    """``x - max(x)`` over ``dims``; call it under ``quiet()``.

    # NOTE: subtracting the max keeps every exp(.) in (0, 1], so inputs of magnitude 1e4 do
    # not overflow. Two edge cases stay silent, as in PyTorch: a slice whose max is infinite
    # gives nan (inf - inf), and float32 values near their limits overflow the difference
    # (-3e38 - 3e38 = -inf), whose exp is the 0 it should be.
    """
    return x - np.amax(x, axis=dims, keepdims=True)


class Softmax(Op):
    """Softmax along ``dim``.

    forward:  y = exp(x - m) / sum_dim exp(x - m),  m = max_dim x (for stability)
    gradient: dL/dx = y * (g - sum_dim(g * y))
    saves:    y
    """

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        if x.size == 0:
            y = x.copy()
        else:
            with quiet():
                e = np.exp(_shifted(x, dims))
                y = e / e.sum(axis=dims, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - D.sum_dims(g * y, ctx.dims, True)), None


class LogSoftmax(Op):
    """Log of the softmax along ``dim``.

    forward:  y = (x - m) - log(sum_dim exp(x - m)),  m = max_dim x (for stability)
    gradient: dL/dx = g - exp(y) * sum_dim(g)
    saves:    y

    # NOTE: fused rather than log(softmax(x)): the softmax of a very negative logit
    # underflows to 0 and its log to -inf, while x - m - log(sum) stays finite.
    """

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        if x.size == 0:
            y = x.copy()
        else:
            with quiet():
                z = _shifted(x, dims)
                y = z - np.log(np.exp(z).sum(axis=dims, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - D.exp(y) * D.sum_dims(g, ctx.dims, True), None


class Logsumexp(Op):
    """log(sum(exp(x))) over ``dims``, computed stably.

    forward:  m = max_{dims} x (0 where infinite);  y = m + log(sum_{dims} exp(x - m))
    gradient: dL/dx = g * exp(x - y)   (the softmax of x)
    saves:    x, y

    # NOTE: fused rather than composed from exp, sum and log: shifting by the max keeps
    # exp from overflowing, so inputs of magnitude 1e4 give finite results.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if _count(x.shape, dims) == 0:  # log(0): an empty sum is 0
            y = np.full(_out_shape(x.shape, dims, keepdim), -np.inf, x.dtype)
        else:
            m = np.amax(x, axis=dims, keepdims=True)
            finite = np.isfinite(m)
            if not finite.all():  # all -inf slices give log(0) = -inf, +inf stays inf, as torch
                m = np.where(finite, m, 0)
            with quiet():  # x - m overflows near float32's limits (-3e38 - 3e38): exp gives 0
                y = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
            if not keepdim:
                y = y.reshape(_out_shape(x.shape, dims, False))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if not ctx.keepdim:
            kept = _kept_shape(ctx.shape, ctx.dims)
            g, y = D.reshape(g, kept), D.reshape(y, kept)
        return g * D.exp(x - y), None, None


def _prepare(input: Tensor, dim: int, dtype, op: str):
    """Cast to ``dtype`` first (as PyTorch); integer inputs need a floating dtype."""
    if dtype is not None:
        input = input.to(to_numpy_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): not implemented for {input.dtype} tensors; pass a floating dtype= "
            "or convert the input with .float()"
        )
    d = _check_dim(dim, input._data.ndim, op)
    return input, (None if input._data.ndim == 0 else (d,))


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; finite for large inputs (1e4 and beyond)."""
    input, dims = _prepare(input, dim, dtype, "softmax")
    return Softmax.apply(input, dims)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably in one step."""
    input, dims = _prepare(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(input, dims)


def logsumexp(input: Tensor, dim, keepdim: bool = False):
    """``log(sum(exp(input), dim))``, stable for large inputs; integers become float."""
    if input._data.dtype.kind != "f":
        input = input.to(default_float_np())
    return Logsumexp.apply(input, _reduced_dims(input, dim, "logsumexp"), keepdim)
