"""Diagonals and triangles: diagonal, diag, diag_embed, trace, tril, triu.

Taking a diagonal (``Diagonal``) and writing one into zeros (``DiagEmbed``) are each other's
gradient; keeping a triangle (``Tril``/``Triu``) is its own.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op

__all__ = ["diagonal", "diag", "diag_embed", "trace", "tril", "triu"]


def _diagonal_view(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """``np.diagonal`` as a writable view (NumPy's is read-only; PyTorch's is writable).

    The diagonal's shape and strides come from ``np.diagonal``; its first element is
    ``a[..., 0, offset]`` (or ``a[..., -offset, 0]``), so the view starts at a slice of ``a``
    that begins there.
    """
    d = np.diagonal(a, offset, d1, d2)
    if not a.flags.writeable:
        return d
    start = [slice(None)] * a.ndim
    if offset >= 0:
        start[d2] = slice(min(offset, a.shape[d2]), None)
    else:
        start[d1] = slice(min(-offset, a.shape[d1]), None)
    return np.lib.stride_tricks.as_strided(a[tuple(start)], d.shape, d.strides)


class Diagonal(Op):
    """The diagonal ``offset`` of the (d1, d2) planes, as the last dim (a view).

    forward:  y[..., i] = x[..., i, i + offset, ...]   (positions in dims d1, d2)
    gradient: dL/dx = zeros like x with g written on that diagonal (DiagEmbed)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        return _diagonal_view(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        return D.run(DiagEmbed, g, ctx.shape, *ctx.args), None, None, None


class DiagonalCopy(Diagonal):
    """``diag`` of a matrix: the same as Diagonal, but a copy."""

    _view = False
    node_name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x.shape, (offset, d1, d2)
        return np.diagonal(x, offset, d1, d2).copy()


class DiagEmbed(Op):
    """Write ``v`` (its last dim) on the diagonal ``offset`` of the (d1, d2) planes of zeros.

    forward:  y = zeros(shape);  y[..., i, i + offset, ...] = v[..., i]
    gradient: dL/dv = the same diagonal of g (Diagonal)
    """

    @staticmethod
    def forward(ctx, v, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        y = np.zeros(shape, v.dtype)
        _diagonal_view(y, offset, d1, d2)[...] = v
        return y

    @staticmethod
    def backward(ctx, g):
        return D.run(DiagonalCopy, g, *ctx.args), None, None, None, None


class Tril(Op):
    """Keep the lower triangle of the last two dims (on and below diagonal ``k``).

    forward:  y[..., i, j] = x[..., i, j] if j - i <= k else 0
    gradient: dL/dx = tril(g, k)
    """

    _np = staticmethod(np.tril)

    @classmethod
    def forward(cls, ctx, x, k):
        ctx.k = k
        return cls._np(x, k)

    @classmethod
    def backward(cls, ctx, g):
        return D.run(cls, g, ctx.k), None


class Triu(Tril):
    """Keep the upper triangle of the last two dims (on and above diagonal ``k``).

    forward:  y[..., i, j] = x[..., i, j] if j - i >= k else 0
    gradient: dL/dx = triu(g, k)
    """

    _np = staticmethod(np.triu)


# ---------------------------------------------------------------- public functions
def _diag_dims(ndim: int, dim1: int, dim2: int, op: str) -> tuple:
    d1, d2 = _check_dim(dim1, ndim, op), _check_dim(dim2, ndim, op)
    if d1 == d2:
        raise RuntimeError(f"{op}(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal ``offset`` of each (dim1, dim2) plane, appended as the last dim (a view)."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2, "diagonal")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """Tensors whose (dim1, dim2) planes have ``input``'s last dim on diagonal ``offset``."""
    nd = input._data.ndim + 1
    if input._data.ndim == 0:
        raise IndexError("diag_embed(): Dimension out of range (the input must be at least 1-D)")
    d1, d2 = _diag_dims(nd, dim1, dim2, "diag_embed")
    n = input._data.shape[-1] + abs(int(offset))
    rest = iter(input._data.shape[:-1])
    shape = tuple(n if e in (d1, d2) else next(rest) for e in range(nd))
    return DiagEmbed.apply(input, shape, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0):
    """A vector becomes a square matrix with it on diagonal ``diagonal``; a matrix gives its
    diagonal ``diagonal`` as a vector (a copy)."""
    nd = input._data.ndim
    if nd == 1:
        n = input._data.shape[0] + abs(int(diagonal))
        return DiagEmbed.apply(input, (n, n), int(diagonal), 0, 1)
    if nd == 2:
        return DiagonalCopy.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input: Tensor):
    """The sum of a matrix's main diagonal."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Diagonal.apply(input, 0, 0, 1).sum()


def _triangle(cls, input: Tensor, diagonal: int, op: str):
    if input._data.ndim < 2:
        raise RuntimeError(
            f"{op}: input tensor must have at least 2 dimensions (got shape {list(input.shape)})"
        )
    return cls.apply(input, int(diagonal))


def tril(input: Tensor, diagonal: int = 0):
    """The lower triangle of the last two dims (elements above diagonal ``diagonal`` zeroed)."""
    return _triangle(Tril, input, diagonal, "tril")


def triu(input: Tensor, diagonal: int = 0):
    """The upper triangle of the last two dims (elements below diagonal ``diagonal`` zeroed)."""
    return _triangle(Triu, input, diagonal, "triu")
