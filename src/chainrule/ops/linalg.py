"""Matrix products: matmul, mm, bmm, mv, dot, outer (einsum and tensordot: ops/einsum.py)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, tensor
from . import _dual as D
from ._op import Op

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "outer",
    "ger",
]


_MATRICES = (2, 2)  # MatMul's ``ctx.ndims`` for two matrices


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
        ctx.ndims = nd = (a.ndim, b.ndim)
        # two matrices: np.dot, the same BLAS call without matmul's dispatch (see ops/linear)
        return np.dot(a, b) if nd == _MATRICES else np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        nda, ndb = ctx.ndims
        if nda == 2 and ndb == 2 and type(g) is np.ndarray:  # two matrices: the common case
            return (np.dot(g, b.T) if need_a else None), (np.dot(a.T, g) if need_b else None)
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


class Mm(MatMul):
    """``mm``: MatMul restricted to two matrices (same maths, PyTorch's node name)."""

    node_name = "MmBackward0"


class Bmm(MatMul):
    """``bmm``: MatMul restricted to two batches of matrices with the same batch size."""

    node_name = "BmmBackward0"


class Mv(MatMul):
    """``mv``: MatMul of a matrix and a vector."""

    node_name = "MvBackward0"


class Dot(MatMul):
    """``dot``: MatMul of two vectors (a 0-d result)."""

    node_name = "DotBackward0"


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape) if shape else "scalar"


def _tensors(op: str, *xs) -> list:
    out = []
    for x in xs:
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected Tensor arguments, got {type(x).__name__}")
        out.append(x)
    return out


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    """PyTorch's products do not promote: mixed dtypes are an error."""
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{op}: expected m1 and m2 to have the same dtype, but got: "
            f"{a.dtype.name} != {b.dtype.name}"
        )


def matmul(input, other):
    """Matrix product of two tensors (vectors, matrices or batches of matrices)."""
    if not isinstance(input, Tensor):
        input = tensor(input)
    if not isinstance(other, Tensor):
        other = tensor(other)
    sa, sb = input._data.shape, other._data.shape
    if not sa or not sb:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {len(sa)}D and {len(sb)}D"
        )
    _same_dtype("matmul", input, other)
    inner_a = sa[-1]
    inner_b = sb[0] if len(sb) == 1 else sb[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"matmul: mat1 and mat2 shapes cannot be multiplied "
            f"({_shape_str(sa)} and {_shape_str(sb)})"
        )
    try:
        return MatMul.apply(input, other)
    except ValueError:
        raise RuntimeError(
            f"matmul: batch dimensions do not broadcast: shapes {list(sa)} and {list(sb)}"
        ) from None


def mm(input, mat2):
    """Product of two matrices (2-D only; ``matmul`` broadcasts)."""
    a, b = _tensors("mm", input, mat2)
    if a._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix, got a {a._data.ndim}-D tensor")
    if b._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix, got a {b._data.ndim}-D tensor")
    _same_dtype("mm", a, b)
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied "
            f"({_shape_str(a._data.shape)} and {_shape_str(b._data.shape)})"
        )
    return Mm.apply(a, b)


def bmm(input, mat2):
    """Batched product: (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting."""
    a, b = _tensors("bmm", input, mat2)
    for name, x in (("batch1", a), ("batch2", b)):
        if x._data.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got {x._data.ndim}D")
    _same_dtype("bmm", a, b)
    (nb, _, m), sb = a._data.shape, b._data.shape
    if sb[:2] != (nb, m):
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{nb}, {m}] "
            f"but got: [{sb[0]}, {sb[1]}]."
        )
    return Bmm.apply(a, b)


def mv(input, vec):
    """Matrix times vector: (n, m) @ (m,) -> (n,)."""
    a, v = _tensors("mv", input, vec)
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(
            f"mv: vector + matrix @ vector expected, got a {a._data.ndim}-D matrix and a "
            f"{v._data.ndim}-D vector"
        )
    _same_dtype("mv", a, v)
    if a._data.shape[1] != v._data.shape[0]:
        n, m = a._data.shape
        raise RuntimeError(
            f"mv: size mismatch, got input ({n}), mat ({n}x{m}), vec ({v._data.shape[0]})"
        )
    return Mv.apply(a, v)


def dot(input, other):
    """Inner product of two 1-D tensors of the same length (a 0-d tensor)."""
    a, b = _tensors("dot", input, other)
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors"
        )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {a.dtype.name} and "
            f"{b.dtype.name}"
        )
    if a._data.shape != b._data.shape:
        n, m = a._data.shape[0], b._data.shape[0]
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the "
            f"same number of elements, but got {n} and {m} elements respectively"
        )
    return Dot.apply(a, b)


def outer(input, vec2):
    """Outer product of two vectors: out[i, j] = input[i] * vec2[j] (dtypes promote)."""
    a, b = _tensors("outer", input, vec2)
    for name, x in (("self", a), ("vec2", b)):
        if x._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {x._data.ndim}-D")
    return D.reshape(a, (a._data.shape[0], 1)) * b


ger = outer  # PyTorch's older name
