"""Norms of ``chainrule.linalg``: ``vector_norm``, ``matrix_norm``, ``norm``, and the singular
value decomposition that the spectral and nuclear matrix norms are built on.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._dtype import to_numpy_dtype
from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from ._quiet import quiet
from ._util import normalize_dims
from .shape import transpose

__all__: list[str] = []  # public through chainrule.linalg


def _kept_shape(shape: tuple, dims) -> tuple:
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _safe_div(num, den):
    """num / den, and 0 where den == 0 (PyTorch's masked_fill of the norm's gradient)."""
    zero = den == 0
    return D.where(zero, 0.0, num / D.where(zero, 1.0, den))


class VectorNorm(Op):
    """The p-norm of the values over ``dims``: (sum |x|^p)^(1/p).

    forward:  y = sqrt(sum x^2) (p=2), sum |x| (p=1), max |x| (inf), min |x| (-inf),
              count of non-zeros (p=0), (sum |x|^p)^(1/p) otherwise
    gradient: p=2:    g * x / y                      (0 where y == 0)
              p=1:    g * sign(x)
              +-inf:  g * sign(x) / k on the k entries with |x| == y (ties share evenly)
              p=0:    0
              other:  g * sign(x) |x|^(p-1) / y^(p-1)  (PyTorch's masking at 0)
    saves:    x and y
    """

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.p, ctx.dims, ctx.keepdim, ctx.shape = p, dims, keepdim, x.shape
        with quiet():  # PyTorch does not rescale: near float32's limits the norm is inf
            y = VectorNorm._norm(np.abs(x), p, dims, keepdim)
        y = np.asarray(y, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def _norm(a, p, dims, keepdim):
        if p == 2:
            y = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
        elif p == 1:
            y = np.sum(a, axis=dims, keepdims=keepdim)
        elif p == math.inf:
            y = np.max(a, axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            y = np.min(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            y = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
        else:  # 0 ** negative p is inf: the norm is then 0
            y = np.sum(a**p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        return y

    @staticmethod
    def backward(ctx, g):
        return VectorNorm._gradient(ctx, g)

    @staticmethod
    def _gradient(ctx, g):
        x, y = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        if not ctx.keepdim:
            kept = _kept_shape(ctx.shape, dims)
            y, g = D.reshape(y, kept), D.reshape(g, kept)
        if p == 0:
            return D.zeros_like(x), None, None, None
        if p == 1:
            return g * D.sign(x), None, None, None
        if p == 2:
            return x * _safe_div(g, y), None, None, None
        a = abs(x)
        if p in (math.inf, -math.inf):
            mask = a == y
            count = D.sum_dims(mask, dims, True)
            return D.sign(x) * (g / count) * mask, None, None, None
        # powers of y are taken of a stand-in 1 where y == 0 (and masked to 0 there), so
        # that no inf appears, not even in the second derivative
        zero_y = y == 0
        y_safe = D.where(zero_y, 1.0, y)
        if p < 1:  # |x|^(p-1) blows up at 0, where PyTorch takes the gradient as 0
            zero = x == 0
            scaled = D.where(zero, 0.0, D.sign(x) * D.where(zero, 1.0, a) ** (p - 1))
            return scaled * g * D.where(zero_y, 0.0, y_safe ** (1 - p)), None, None, None
        scaled = D.sign(x) * a ** (p - 1) if p < 2 else x * a ** (p - 2)
        return scaled * D.where(zero_y, 0.0, g / y_safe ** (p - 1)), None, None, None


class Svd(Op):
    """Reduced singular value decomposition A = U diag(S) Vh (S descending).

    forward:  U, S, Vh = svd(A), k = min(m, n) singular values
    gradient: with J = U^T gU, K = Vh gVh^T, F_ij = 1 / (s_j^2 - s_i^2) (0 on the diagonal):
              dL/dA = U [ diag(gS) + ((J - J^T) * F) S + S ((K - K^T) * F) ] Vh
                      + (I - U U^T) gU S^-1 Vh + U S^-1 gVh (I - Vh^T Vh)
              (the last two terms only for a non-square A). Singular values must be distinct
              for U and V to be differentiable; norms, which only use S, need just U and Vh.
    saves:    U, S, Vh
    """

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        m, n = u.shape[-2], vh.shape[-1]
        s_row = D.reshape(s, tuple(s.shape[:-1]) + (1, k))  # s_j along the last axis
        eye = np.eye(k, dtype=_np_dtype(s))
        inner = eye * D.reshape(gs, tuple(gs.shape[:-1]) + (1, k))  # diag(gS)
        ut, v = D.swap_last(u), D.swap_last(vh)
        if _any_nonzero(gu) or _any_nonzero(gvh):
            s2 = s_row * s_row
            diff = s2 - D.swap_last(s2)  # s_j^2 - s_i^2
            f = D.where(eye == 1, 0.0, 1.0 / D.where(eye == 1, 1.0, diff))
            j = ut @ gu
            kk = vh @ D.swap_last(gvh)
            inner = inner + ((j - D.swap_last(j)) * f) * s_row
            inner = inner + D.swap_last(s_row) * ((kk - D.swap_last(kk)) * f)
        ga = u @ inner @ vh
        if m > k and _any_nonzero(gu):
            ga = ga + (gu - u @ (ut @ gu)) / s_row @ vh
        if n > k and _any_nonzero(gvh):
            ga = ga + (u / s_row) @ (gvh - (gvh @ v) @ vh)
        return ga


def _np_dtype(x) -> np.dtype:
    return x.dtype if isinstance(x, np.ndarray) else x._data.dtype


def _any_nonzero(x) -> bool:
    """Whether a (possibly materialised-zero) output gradient carries anything."""
    data = x._data if isinstance(x, Tensor) else x
    return bool(np.any(data != 0)) or isinstance(x, Tensor) and x._requires_grad


# ---------------------------------------------------------------- public functions
def _floating(x, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {x.dtype.name}"
        )


def _cast(x: Tensor, dtype, op: str) -> Tensor:
    if dtype is None:
        return x
    npd = to_numpy_dtype(dtype)
    if npd.kind != "f" or np.promote_types(x._data.dtype, npd) != npd:
        raise RuntimeError(
            f"{op}: the dtype of the input ({x.dtype.name}) should be convertible without "
            f"narrowing to the specified dtype ({npd})"
        )
    return x.to(npd)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all values when None), as a vector norm."""
    op = "linalg.vector_norm"
    _floating(x, op)
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{op}(): argument 'ord' must be a number, not {type(ord).__name__}")
    x = _cast(x, dtype, op)
    dims = normalize_dims(dim, x._data.ndim, op)
    if x._data.ndim == 0:  # dim 0 / -1 of a 0-d tensor: nothing to reduce over
        dims = None
    if ord < 0 or ord == math.inf:
        shape = x._data.shape
        if dims is None and x._data.size == 0:
            raise RuntimeError(
                f"{op} cannot compute the {ord:g} norm on an empty tensor because the operation "
                "does not have an identity"
            )
        for d in dims or ():
            if shape[d] == 0:
                raise RuntimeError(
                    f"{op} cannot compute the {ord:g} norm on the dimension {d} because this "
                    "dimension is empty and the operation does not have an identity"
                )
    return VectorNorm.apply(x, float(ord), dims, keepdim)


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix in ``A``, in descending order."""
    _floating(A, "linalg.svdvals")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.svdvals: The input tensor A must have at least 2 dimensions.")
    return Svd.apply(A)[1]


def _matrix_dims(A: Tensor, dim, op: str) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_check_dim(d, A._data.ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def _squeeze_pair(y: Tensor, d0: int, d1: int) -> Tensor:
    shape = tuple(s for i, s in enumerate(y._data.shape) if i not in (d0, d1))
    return D.reshape(y, shape)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """A matrix norm over the two dims ``dim``: 'fro', 'nuc', 1, -1, inf, -inf, 2 or -2."""
    op = "linalg.matrix_norm"
    _floating(A, op)
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    d0, d1 = _matrix_dims(A, dim, op)
    A = _cast(A, dtype, op)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord not in ("nuc", 1, -1, 2, -2, math.inf, -math.inf) or isinstance(ord, bool):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    shape = A._data.shape
    # the dim a minimum runs over must not be empty (PyTorch's amin error); maxima give 0
    empty_min = {-1: (d1,), -math.inf: (d0,), -2: (d0, d1)}.get(ord, ())
    for d in empty_min:
        if shape[d] == 0:
            raise IndexError(f"{op}: amin(): Expected reduction dim {d} to have non-zero size.")
    if A._data.size == 0:
        out = tuple(1 if i in (d0, d1) else s for i, s in enumerate(shape))
        y = A.new_zeros(out)
        return y if keepdim else _squeeze_pair(y, d0, d1)
    if ord in ("nuc", 2, -2):
        perm = [i for i in range(A._data.ndim) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(_permute(A, perm))
        if ord == "nuc":
            y = s.sum(-1)
        else:
            y = vector_norm(s, math.inf if ord == 2 else -math.inf, -1)
        if keepdim:
            y = _unsqueeze_pair(y, d0, d1)
        return y
    # 1 / -1: the max / min column sum; inf / -inf: the max / min row sum
    inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = vector_norm(A, 1, inner, True)
    y = vector_norm(sums, math.inf if ord > 0 else -math.inf, outer, True)
    return y if keepdim else _squeeze_pair(y, d0, d1)


def _permute(A: Tensor, perm: list) -> Tensor:
    """Move two dims last with transposes (ops every family has)."""
    y = A
    order = list(range(A._data.ndim))
    for target, src in enumerate(perm):
        here = order.index(src)
        if here != target:
            y = transpose(y, here, target)
            order[here], order[target] = order[target], order[here]
    return y


def _unsqueeze_pair(y: Tensor, d0: int, d1: int) -> Tensor:
    shape = list(y._data.shape)
    for d in sorted((d0, d1)):
        shape.insert(d, 1)
    return D.reshape(y, tuple(shape))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or matrix norm, chosen as PyTorch chooses.

    ``dim`` an int (or a 1-tuple): vector norm; a 2-tuple: matrix norm; ``dim=None``: the
    2-norm of all values when ``ord`` is None, else a vector norm of a 1-D ``A`` or a matrix
    norm of a 2-D one.
    """
    op = "linalg.norm"
    _floating(A, op)
    if isinstance(dim, int) or (isinstance(dim, (tuple, list)) and len(dim) == 1):
        if isinstance(ord, str):
            raise RuntimeError(f"{op}: matrix norm '{ord}' needs a 2-tuple dim, got {dim}")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        if not isinstance(dim, (tuple, list)) or len(dim) != 2:
            raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {dim}")
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if nd == 2 or (nd == 1 and isinstance(ord, str)):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(
        f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D."
    )
