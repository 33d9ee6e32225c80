"""nn.functional: distances between vectors: cosine_similarity and pairwise_distance."""

from __future__ import annotations

import numpy as np

from ..._dtype import default_float_np
from ...ops._pointwise import require_tensor
from ...ops._util import broadcast_error, result_dtype
from ...ops.linalg_norm import vector_norm
from ...ops.nn_activation import ClampMinKeepGrad
from ...tensor import Tensor, _check_dim

__all__ = ["cosine_similarity", "pairwise_distance"]


def _common(x1: Tensor, x2: Tensor, op: str) -> tuple[Tensor, Tensor]:
    """Both inputs in their common floating dtype (integers are promoted, as PyTorch's
    cosine_similarity accepts them when the other input is floating)."""
    require_tensor(x1, op, "x1")
    require_tensor(x2, op, "x2")
    dtype = result_dtype(x1._data, x2._data)
    if dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): expected common dtype to be floating point, yet common dtype is "
            f"{np.dtype(dtype).name} (inputs {x1.dtype} and {x2.dtype})"
        )
    return (x1 if x1._data.dtype == dtype else x1.to(dtype)), (
        x2 if x2._data.dtype == dtype else x2.to(dtype)
    )


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``dim`` (broadcasting).

    As in PyTorch, each input is divided by its own clamped norm (so the result stays in
    [-1, 1] and nothing overflows), and the clamp is not differentiated: the gradient flows
    as if the norms were not clamped.
    """
    op = "cosine_similarity"
    x1, x2 = _common(x1, x2, op)
    if eps < 0:
        raise RuntimeError(f"{op}(): eps must be non-negative, got: {eps}")
    try:
        shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
    except ValueError:
        raise broadcast_error(op, [x1.shape, x2.shape]) from None
    d = _check_dim(dim, len(shape), op)
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    n1 = ClampMinKeepGrad.apply(vector_norm(x1, 2, d, keepdim=True), eps)
    n2 = ClampMinKeepGrad.apply(vector_norm(x2, 2, d, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (broadcasting)."""
    op = "pairwise_distance"
    require_tensor(x1, op, "x1")
    require_tensor(x2, op, "x2")
    diff = x1 - x2
    if diff._data.dtype.kind != "f":
        diff = diff.to(default_float_np())
    dim = max(x1.dim(), x2.dim()) - 1
    return vector_norm(diff + eps, p, dim if dim >= 0 else None, keepdim=keepdim)
