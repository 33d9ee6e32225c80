"""Shape, view, indexing and dtype ops: they move or copy values, never change them."""

from __future__ import annotations

import numpy as np

from .._dtype import to_numpy_dtype
from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "reshape",
    "view",
    "expand",
    "transpose",
    "to",
    "clone",
]


def _parse_shape(shape: tuple, op: str) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): shape must be ints, got {type(s).__name__} in {shape}")
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int, op: str) -> tuple:
    """Resolve one -1 in ``shape``; PyTorch's error when the sizes do not fit."""
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}(): only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}(): invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Op):
    """Same values, new shape (a view when the memory layout allows).

    forward:  y = x.reshape(shape)
    gradient: dL/dx = g.reshape(x.shape)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return D.reshape(g, ctx.shape), None


class View(Reshape):
    """Like Reshape, but must not copy: raises when the layout makes that impossible."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        y = x.view()
        try:
            y.shape = shape  # assigning .shape never copies; it fails instead
        except AttributeError:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride (shape "
                f"{list(x.shape)} to {list(shape)}: at least one dimension spans across two "
                "contiguous subspaces). Use .reshape(...) instead."
            ) from None
        return y


class Expand(Op):
    """Broadcast to a larger shape without copying (size-1 dims repeat).

    forward:  y = broadcast_to(x, shape)
    gradient: dL/dx = g, summed over the broadcast dims (done by the engine)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Transpose(Op):
    """Swap two dimensions (a view).

    forward:  y = swapaxes(x, d0, d1)
    gradient: dL/dx = swapaxes(g, d0, d1)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return np.swapaxes(x, d0, d1)

    @staticmethod
    def backward(ctx, g):
        d0, d1 = ctx.dims
        if isinstance(g, Tensor):
            return Transpose.apply(g, d0, d1), None, None
        return np.swapaxes(g, d0, d1), None, None


class Index(Op):
    """Basic indexing (ints, slices, None, ...): a view of ``x``.

    forward:  y = x[key]
    gradient: dL/dx = zeros like x, with g written into x[key]
    """

    _view = True
    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, g):
        return IndexPut.apply_or_compute(g, ctx.key, ctx.shape, accumulate=False), None


class AdvancedIndex(Index):
    """Indexing with integer arrays or boolean masks (a copy).

    forward:  y = x[key]
    gradient: dL/dx = zeros like x, with g added at x[key]: an element picked twice gets
              both gradients
    """

    _view = False
    node_name = "IndexBackward0"

    @staticmethod
    def backward(ctx, g):
        return IndexPut.apply_or_compute(g, ctx.key, ctx.shape, accumulate=True), None


class IndexPut(Op):
    """Scatter ``g`` into zeros of ``shape`` at ``key`` (the gradient of indexing).

    forward:  y = zeros(shape); y[key] (+)= g
    gradient: dL/dg = (dL/dy)[key]
    """

    @staticmethod
    def forward(ctx, g, key, shape, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        out = np.zeros(shape, dtype=g.dtype)
        if accumulate:
            np.add.at(out, key, g)
        else:
            out[key] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        cls = AdvancedIndex if ctx.accumulate else Index
        if isinstance(gg, Tensor):
            return cls.apply(gg, ctx.key), None, None, None
        return gg[ctx.key], None, None, None

    @classmethod
    def apply_or_compute(cls, g, key, shape, accumulate: bool):
        if isinstance(g, Tensor):
            return cls.apply(g, key, shape, accumulate)
        return cls.forward(cls._node_cls(), g, key, shape, accumulate)


class Cast(Op):
    """Change dtype.

    forward:  y = x.astype(dtype)
    gradient: dL/dx = g (cast back to x's dtype by the engine)
    """

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None


class Clone(Op):
    """A copy with its own memory.

    forward:  y = copy(x)
    gradient: dL/dx = g
    """

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# ---------------------------------------------------------------- public functions
def reshape(input: Tensor, *shape):
    shape = _infer_shape(_parse_shape(shape, "reshape"), input._data.size, "reshape")
    return Reshape.apply(input, shape)


def view(input: Tensor, *shape):
    shape = _infer_shape(_parse_shape(shape, "view"), input._data.size, "view")
    return View.apply(input, shape)


def expand(input: Tensor, *sizes):
    sizes = _parse_shape(sizes, "expand")
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(src)})"
        )
    lead = len(sizes) - len(src)
    target = list(sizes)
    for i, s in enumerate(src):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = s
        elif s != 1 and want != s:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({want}) must match the existing size "
                f"({s}) at non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(src)}"
            )
    return Expand.apply(input, tuple(target))


def transpose(input: Tensor, dim0: int, dim1: int):
    nd = input._data.ndim
    d0, d1 = _check_dim(dim0, nd, "transpose"), _check_dim(dim1, nd, "transpose")
    return Transpose.apply(input, d0, d1)


def _index_part(k):
    if isinstance(k, Tensor):
        k = k._data
        if k.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int or bool tensors")
        return k
    if isinstance(k, list):
        arr = np.asarray(k)
        if arr.dtype.kind not in "iub":
            raise IndexError("lists used as indices must hold ints or bools")
        return arr
    return k


def getitem(input: Tensor, key):
    """``x[key]`` with PyTorch/NumPy semantics; integer-array and mask indexing copy."""
    parts = key if isinstance(key, tuple) else (key,)
    parts = tuple(_index_part(k) for k in parts)
    basic = all(
        k is None
        or k is Ellipsis
        or isinstance(k, (slice, int, np.integer))
        and not isinstance(k, bool)
        for k in parts
    )
    if basic:
        if Ellipsis not in parts:
            parts = parts + (Ellipsis,)  # keeps x[i] a 0-d view instead of a NumPy scalar
        return Index.apply(input, parts)
    return AdvancedIndex.apply(input, parts)


def to(input: Tensor, dtype, *, copy: bool = False):
    npd = to_numpy_dtype(dtype)
    if npd == input._data.dtype and not copy:
        return input
    return Cast.apply(input, npd)


def clone(input: Tensor):
    return Clone.apply(input)
