"""gather, scatter, scatter_add, index_select and take: indexing along a dim with an index
tensor.

Each builds an advanced-indexing key from (dim, index) and reuses the indexing primitives:
gather is ``AdvancedIndex`` (its gradient adds into the picked positions, so repeated
indices accumulate), scatter is ``SetItem``, scatter_add adds with ``np.add.at``. None is
differentiable with respect to the index.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _check_dim, _wrap
from . import _dual as D
from ._op import Op
from .indexing import AdvancedIndex, Index, SetItem

__all__ = ["gather", "scatter", "scatter_add", "index_select", "take"]


class Gather(AdvancedIndex):
    """``gather``: AdvancedIndex with the key built from (dim, index)."""

    node_name = "GatherBackward0"


class IndexSelect(AdvancedIndex):
    """``index_select``: AdvancedIndex along one dim."""

    node_name = "IndexSelectBackward0"


class Scatter(SetItem):
    """``scatter``: SetItem with the key built from (dim, index)."""

    node_name = "ScatterBackward0"


class ScatterValue(Scatter):
    """``scatter`` of a number (PyTorch names its node apart)."""

    node_name = "ScatterBackward1"


class ScatterAdd(Op):
    """Add ``src`` into a copy of ``x`` at ``key`` (repeated positions add up).

    forward:  y = x;  y[key] += src   (np.add.at)
    gradient: dL/dx = g,   dL/dsrc = g[key]
    """

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, x, src, key):
        ctx.key = key
        y = x.copy()
        np.add.at(y, key, src)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad[:2]
        gsrc = D.index(g, ctx.key, advanced=True) if need_src else None
        return (g if need_x else None), gsrc, None


# ---------------------------------------------------------------- public functions
def _index_array(index, op: str, kinds: str = "il") -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype not in (np.int64, np.int32) or (kinds == "l" and idx.dtype != np.int64):
        want = "int64" if kinds == "l" else "int32 or int64"
        raise RuntimeError(f"{op}(): Expected dtype {want} for index, got {index.dtype}")
    return idx


def _check_bounds(idx: np.ndarray, n: int, d: int, op: str) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"{op}(): index {bad} is out of bounds for dimension {d} with size {n}")


def _dim_key(idx: np.ndarray, d: int) -> tuple:
    """The advanced key that picks ``x[..., idx[i,j,k], ...]`` at position (i, j, k):
    ``idx`` along dim ``d``, and each other dim's own position (``take_along_axis``)."""
    nd = idx.ndim
    key = []
    for e in range(nd):
        if e == d:
            key.append(idx)
        else:
            key.append(np.arange(idx.shape[e]).reshape([-1 if k == e else 1 for k in range(nd)]))
    return tuple(key)


def _scatter_args(input: Tensor, dim: int, index, src, op: str):
    """Validate gather/scatter arguments; returns (dim, index array)."""
    idx = _index_array(index, op)
    xs = input._data.shape
    nd = max(len(xs), 1)
    d = _check_dim(dim, len(xs), op)
    if idx.ndim != len(xs) and not (idx.ndim <= 1 and len(xs) <= 1):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {list(idx.shape)}, input {list(xs)})"
        )
    ixs, sxs = idx.shape or (1,), xs or (1,)
    for e in range(nd):
        if e != d and ixs[e] > sxs[e]:
            raise RuntimeError(
                f"{op}(): Size does not match at dimension {e} expected index {list(idx.shape)} "
                f"to be no larger than self {list(xs)} apart from dimension {d}"
            )
    if isinstance(src, Tensor):
        ss = src._data.shape or (1,)
        if len(ss) != len(ixs):
            raise RuntimeError(
                f"{op}(): Index tensor must have the same number of dimensions as src tensor "
                f"(index {list(idx.shape)}, src {list(src.shape)})"
            )
        if any(i > s for i, s in zip(ixs, ss)):
            raise RuntimeError(
                f"{op}(): Expected index {list(idx.shape)} to be no larger than src "
                f"{list(src.shape)}"
            )
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    _check_bounds(idx, sxs[d], d, op)
    return d, idx


def _as_1d(t: Tensor) -> Tensor:
    return D.reshape(t, (1,)) if t._data.ndim == 0 else t


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False):
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` (for dim 0; likewise for others)."""
    d, idx = _scatter_args(input, dim, index, None, "gather")
    if idx.ndim == 0 or input._data.ndim == 0:  # 0-d tensors act as 1-element vectors
        out = Gather.apply(_as_1d(input), _dim_key(idx.reshape(idx.shape or (1,)), 0))
        return D.reshape(out, idx.shape)
    return Gather.apply(input, _dim_key(idx, d))


def _src_part(src: Tensor, shape: tuple) -> Tensor:
    """The leading ``shape`` block of ``src`` (scatter reads only that much of it)."""
    if src._data.shape == shape:
        return src
    return Index.apply(src, tuple(slice(0, n) for n in shape))


def _scatter(cls, input: Tensor, dim: int, index: Tensor, src, op: str):
    if isinstance(src, np.generic):
        src = src.item()
    if not isinstance(src, (Tensor, int, float, bool)):
        raise TypeError(f"{op}(): src must be a Tensor or a number, got {type(src).__name__}")
    d, idx = _scatter_args(input, dim, index, src, op)
    if idx.ndim == 0 or input._data.ndim == 0:  # 0-d tensors act as 1-element vectors
        idx = _wrap(idx.reshape(idx.shape or (1,)))
        src = _as_1d(src) if isinstance(src, Tensor) else src
        out = _scatter(cls, _as_1d(input), 0, idx, src, op)
        return D.reshape(out, ()) if input._data.ndim == 0 else out
    if isinstance(src, Tensor):
        src = _src_part(src, idx.shape)
    key = _dim_key(idx, d)
    if cls is ScatterAdd:
        return ScatterAdd.apply(input, src, key)
    cls = Scatter if isinstance(src, Tensor) else ScatterValue
    return cls.apply(input, src, ((key, True),), False)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src[i][j][k]`` (or ``value``) written at
    ``[index[i][j][k]][j][k]`` (for dim 0). Not differentiable with respect to ``index``."""
    if reduce is not None:
        raise NotImplementedError("scatter(): reduce= is not supported; use scatter_add")
    if (src is None) == (value is None):
        raise TypeError("scatter(): pass exactly one of src (a Tensor) or value (a number)")
    return _scatter(Scatter, input, dim, index, value if src is None else src, "scatter")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor):
    """A copy of ``input`` with ``src`` added at the scatter positions (repeats add up)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): src must be a Tensor, got {type(src).__name__}")
    return _scatter(ScatterAdd, input, dim, index, src, "scatter_add")


def index_select(input: Tensor, dim: int, index: Tensor):
    """The entries at ``index`` (a vector) along ``dim``: a copy."""
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = _check_dim(dim, nd, "index_select")
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(
            f"index_select(): index out of range in self (index values must be in [0, {n}))"
        )
    if nd == 0:
        out = IndexSelect.apply(_as_1d(input), (idx.reshape(-1),))
        return D.reshape(out, ())
    return IndexSelect.apply(input, (slice(None),) * d + (idx.reshape(-1),))


def take(input: Tensor, index: Tensor):
    """``input`` read as a flat vector at ``index`` (any shape; negative counts back)."""
    idx = _index_array(index, "take", kinds="l")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(
            f"take(): out of range: tried to access index {bad} on a tensor of {n} elements."
        )
    return AdvancedIndex.apply(D.reshape(input, (n,)), (idx,))
