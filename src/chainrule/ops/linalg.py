"""Matrix products."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, tensor
from . import _dual as D
from ._op import Op
from ._util import promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "matmul",
]


class MatMul(Op):
    """Matrix product with NumPy/PyTorch ``matmul`` semantics (1-D, 2-D, batched).

    forward:  y = a @ b
    gradient: dL/da = g @ b^T,   dL/db = a^T @ g        (both at least 2-D; batch dims
              broadcast, and the engine sums them back down)
              a 1-D (a vector): dL/da = b @ g; b 1-D: dL/db = a^T @ g (as vectors)
    saves:    a and b (each only when the other one needs a gradient)
    """

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (a.ndim, b.ndim)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        nda, ndb = ctx.ndims
        ga = gb = None
        if nda == 1 and ndb == 1:  # dot product: g is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        if ndb == 1:  # (..., m, n) @ (n,) -> (..., m)
            gcol = D.reshape(g, tuple(g.shape) + (1,))  # (..., m, 1)
            if need_a:
                ga = gcol * b  # outer product: (..., m, n)
            if need_b:
                gb = D.reshape(D.swap_last(a) @ gcol, tuple(g.shape[:-1]) + (a.shape[-1],))
            return ga, gb
        if nda == 1:  # (n,) @ (..., n, p) -> (..., p)
            grow = D.reshape(g, tuple(g.shape[:-1]) + (1, g.shape[-1]))  # (..., 1, p)
            if need_a:
                ga = D.reshape(grow @ D.swap_last(b), tuple(g.shape[:-1]) + (b.shape[-2],))
            if need_b:
                gb = D.reshape(a, (a.shape[0], 1)) * grow  # (..., n, p)
            return ga, gb
        if need_a:
            ga = g @ D.swap_last(b)
        if need_b:
            gb = D.swap_last(a) @ g
        return ga, gb


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape) if shape else "scalar"


def matmul(input, other):
    """Matrix product of two tensors (vectors, matrices or batches of matrices)."""
    if not isinstance(input, Tensor):
        input = tensor(input)
    if not isinstance(other, Tensor):
        other = tensor(other)
    a, b = promote(input, other, "matmul")
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {len(sa)}D and {len(sb)}D"
        )
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"matmul: mat1 and mat2 shapes cannot be multiplied "
            f"({_shape_str(sa)} and {_shape_str(sb)})"
        )
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul: batch dimensions do not broadcast: shapes {list(sa)} and {list(sb)}"
        ) from None
