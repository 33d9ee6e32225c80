"""Matrix functions: inverse, determinant, linear solve (``chainrule.linalg`` and friends).

Every op works on batches: the last two dimensions are the matrix, the leading ones a batch
(broadcast between ``A`` and ``B`` in ``solve``).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap
from . import _dual as D
from ._op import Op

__all__ = ["det", "inverse"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (e.g. a singular matrix), as PyTorch's
    ``torch.linalg.LinAlgError``: a RuntimeError, so ``except RuntimeError`` catches it."""


def _np_inv(a: np.ndarray, op: str) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError(
            f"{op}: the inversion could not be completed because the input matrix is singular."
        ) from None


def _inv(a):
    return Inv.apply(a) if isinstance(a, Tensor) else _np_inv(a, "linalg.inv")


def _solve(a, b):
    return Solve.apply(a, b) if isinstance(a, Tensor) or isinstance(b, Tensor) else _np_solve(a, b)


def _np_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError(
            "linalg.solve: The solver failed because the input matrix is singular."
        ) from None


def _kept(x, extra: int):
    """``x`` with ``extra`` trailing size-1 dims (a per-matrix value against the matrices)."""
    return D.reshape(x, tuple(x.shape) + (1,) * extra)


class Inv(Op):
    """Matrix inverse.

    forward:  Y = A^-1
    gradient: dL/dA = -Y^T g Y^T       (from dY = -Y dA Y)
    saves:    Y
    """

    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, a):
        y = _np_inv(a, "linalg.inv")
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        yt = D.swap_last(y)
        return -(yt @ g @ yt)


class Det(Op):
    """Determinant.

    forward:  d = det(A)
    gradient: dL/dA = g * d * A^-T     (Jacobi's formula: g times the cofactor matrix)
              where A is exactly singular (d == 0), PyTorch's two answers: 0 in a plain
              backward pass; in a recorded one (create_graph=True) the cofactor matrix
              through the SVD, U diag(prod_{j != i} s_j) Vh * det(U) det(Vh), which stays
              differentiable
    saves:    A and d
    """

    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, a):
        d = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        d2, g2 = _kept(d, 2), _kept(g, 2)
        singular = d2 == 0
        raw = singular._data if isinstance(singular, Tensor) else singular
        if not raw.any():
            return g2 * d2 * D.swap_last(_inv(a))
        n = a.shape[-1]
        dtype = d.dtype if isinstance(d, np.ndarray) else d._data.dtype
        a_safe = D.where(singular, np.eye(n, dtype=dtype), a)  # invertible stand-ins
        regular = g2 * d2 * D.swap_last(_inv(a_safe))
        if not isinstance(g, Tensor):
            return D.where(singular, 0.0, regular)
        # stand-ins with distinct singular values keep the SVD's gradient finite
        distinct = np.diag(np.arange(1, n + 1, dtype=dtype))
        cof = _svd_cofactor(D.where(singular, a, distinct))
        return D.where(singular, g2 * cof, regular)


def _svd_cofactor(a: Tensor) -> Tensor:
    """The cofactor matrix of ``a`` from its SVD, recorded: well defined when ``a`` is
    singular, where d * A^-T is not."""
    from .linalg_norm import Svd

    u, s, vh = Svd.apply(a)
    sign = np.linalg.det(u._data) * np.linalg.det(vh._data)  # +-1: no gradient
    k = s.shape[-1]
    cof = None
    for i in range(k):
        others = None  # prod_{j != i} s_j, as products (exact, and zero-safe)
        for j in range(k):
            if j != i:
                sj = s[..., j]
                others = sj if others is None else others * sj
        if others is None:  # 1 x 1: the cofactor is 1
            others = s[..., i] * 0 + 1
        term = (u[..., :, i : i + 1] @ vh[..., i : i + 1, :]) * _kept(others, 2)
        cof = term if cof is None else cof + term
    return cof * _kept(_wrap(np.asarray(sign, dtype=s._data.dtype)), 2)


class Solve(Op):
    """Solve A X = B for X (B a batch of matrices; vectors are handled by ``solve``).

    forward:  X = A^-1 B
    gradient: dL/dB = A^-T g   (one more solve, with A^T)
              dL/dA = -(dL/dB) X^T
    saves:    A and X
    """

    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, a, b):
        x = _np_solve(a, b)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        need_a, _ = ctx.needs_input_grad
        gb = _solve(D.swap_last(a), g)
        ga = -(gb @ D.swap_last(x)) if need_a else None
        return ga, gb


# ---------------------------------------------------------------- argument checks
def _square(a, op: str) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(a).__name__}")
    d = a._data
    if d.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {d.shape[-2]} by "
            f"{d.shape[-1]} matrices"
        )
    _floating(a, op)
    return a


def _floating(a: Tensor, op: str) -> None:
    kind = a._data.dtype
    if kind.kind != "f":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {a.dtype.name}"
        )
    if kind == np.float16:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {a.dtype.name}")


# ---------------------------------------------------------------- public functions
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix in ``A``; LinAlgError if one is singular."""
    return Inv.apply(_square(A, "linalg.inv"))


def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: the same as ``linalg.inv``."""
    return inv(input)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix in ``A``."""
    return Det.apply(_square(A, "linalg.det"))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """Solve ``A X = B`` (or ``X A = B`` with ``left=False``) for X, batched.

    ``B`` is a batch of vectors when it is 1-D or has ``A``'s shape minus the last dim
    (PyTorch's rule); otherwise a batch of matrices. Batch dims broadcast.
    """
    _square(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): expected B to be a Tensor, got {type(B).__name__}")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{A.dtype.name} and B of type {B.dtype.name} instead"
        )
    sa, sb = A._data.shape, B._data.shape
    if not sb:
        raise RuntimeError("linalg.solve: B must have at least 1 dimension, got a 0-d tensor")
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    n = sa[-1]
    if vector:
        fits, shown = sb[-1] == n, f"{sb[-1]}x1"
    else:
        fits = len(sb) >= 2 and (sb[-2] if left else sb[-1]) == n
        shown = "x".join(str(s) for s in sb[-2:])
    if not fits:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
            f"({n}x{n} and {shown})"
        )
    if vector and not left:
        raise RuntimeError(
            "linalg.solve: Vector broadcasting of the left hand side is not supported for "
            "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    if not left:  # X A = B  <=>  A^T X^T = B^T
        A = D.swap_last(A)
        if not vector:
            return D.swap_last(solve(A, D.swap_last(B)))
    b = D.reshape(B, sb + (1,)) if vector else B
    try:
        np.broadcast_shapes(sa[:-2], b._data.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"linalg.solve: the batch dimensions of A {list(sa[:-2])} and B "
            f"{list(b._data.shape[:-2])} do not broadcast"
        ) from None
    x = Solve.apply(A, b)
    return D.reshape(x, tuple(x.shape[:-1])) if vector else x
