"""Joining, splitting and rearranging along dims: cat, stack, split, chunk, unbind, repeat,
tile, flip, roll.

cat and split are each other's gradient, as are stack and unbind; flip and roll are undone
by themselves (roll by the opposite shift); repeat's gradient sums the copies.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from ._util import normalize_dims, result_dtype

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "split",
    "chunk",
    "unbind",
    "repeat",
    "tile",
    "flip",
    "roll",
]


def _cat(xs, dim: int):
    if isinstance(xs[0], Tensor):
        return Cat.apply(dim, *xs)
    return np.concatenate(xs, axis=dim)


def _stack(xs, dim: int):
    if isinstance(xs[0], Tensor):
        return Stack.apply(dim, *xs)
    return np.stack(xs, axis=dim)


class Cat(Op):
    """Concatenate along ``dim``.

    forward:  y = [x_1, x_2, ...] joined along dim
    gradient: dL/dx_i = the slice of g that x_i became
    saves:    each input's size along dim
    """

    @staticmethod
    def forward(ctx, dim, *xs):
        # NOTE: 1-D empty inputs (shape [0]) are skipped, as in PyTorch, but stay inputs of
        # the node, so they still require grad and receive an empty gradient. The result is
        # C-ordered as PyTorch's is (NumPy keeps a transposed layout, and view() would then
        # refuse what PyTorch allows).
        joined = [x for x in xs if x.shape != (0,)] or list(xs[:1])
        ctx.dim = dim
        ctx.sizes = [None if x.shape == (0,) and x is not joined[0] else x.shape[dim] for x in xs]
        y = np.concatenate(joined, axis=dim)
        return y if y.flags.c_contiguous else np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        grads, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            if size is None:  # a skipped 1-D empty input
                grads.append(np.zeros(0) if need else None)  # the engine casts it
                continue
            key = lead + (slice(start, start + size), Ellipsis)
            grads.append(D.index(g, key) if need else None)
            start += size
        return tuple(grads)


class Stack(Op):
    """Join equal-shaped tensors along a new dim.

    forward:  y[..., i, ...] = x_i   (i at position dim)
    gradient: dL/dx_i = g[..., i, ...]
    """

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        grads = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            grads.append(D.index(g, lead + (i, Ellipsis)) if need else None)
        return tuple(grads)


class Split(Op):
    """Consecutive pieces of ``x`` along ``dim`` with the given sizes (views).

    forward:  y_k = x[..., start_k : start_k + size_k, ...]
    gradient: dL/dx = the g_k joined along dim (cat)
    """

    _view = True
    node_name = "SplitWithSizesBackward0"

    @staticmethod
    def forward(ctx, x, dim, sizes):
        ctx.dim = dim
        lead = (slice(None),) * dim
        out, start = [], 0
        for size in sizes:
            out.append(x[lead + (slice(start, start + size), Ellipsis)])
            start += size
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return _cat(grads, ctx.dim), None, None


class Unbind(Op):
    """Every slice of ``x`` along ``dim`` (views, one dim fewer).

    forward:  y_i = x[..., i, ...]
    gradient: dL/dx = the g_i stacked along dim
    """

    _view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[lead + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return _stack(grads, ctx.dim), None


class Repeat(Op):
    """Tile ``x`` ``reps[i]`` times along each dim (leading reps add new dims).

    forward:  y = np.tile(x, reps)
    gradient: dL/dx = g viewed as (r_0, n_0, r_1, n_1, ...) and summed over the r axes
    """

    @staticmethod
    def forward(ctx, x, reps):
        ctx.shape = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.reps = reps
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        split = []
        for r, n in zip(ctx.reps, ctx.shape):
            split += [r, n]
        g = D.reshape(g, split)
        if not split:  # a 0-d tensor repeated no times: nothing to sum
            return g, None
        return D.sum_dims(g, tuple(range(0, len(split), 2)), False), None


class Flip(Op):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch).

    forward:  y = x[..., ::-1, ...]   (for each dim in dims)
    gradient: dL/dx = flip(g, dims)
    """

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return D.run(Flip, g, ctx.dims), None


class Roll(Op):
    """Shift elements cyclically by ``shifts`` along ``dims`` (flattened when dims is None).

    forward:  y = np.roll(x, shifts, dims)
    gradient: dL/dx = roll(g, -shifts, dims)
    """

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts)
        return D.run(Roll, g, back, ctx.dims), None, None


# ---------------------------------------------------------------- public functions
def _tensor_list(tensors, op: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not "
            f"{type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return list(tensors)


def _common_dtype(tensors: list) -> list:
    """Cast every tensor to the promoted dtype of all of them (PyTorch promotes in cat)."""
    dtype = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dtype:  # all are 0-d (stack) or none is: PyTorch's plain rule
            dtype = result_dtype(np.empty((1,) * min(t._data.ndim, 1), dtype), t._data)
    return [t if t._data.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors, dim: int = 0):
    """Join tensors along an existing ``dim``; all other sizes must match.

    As in PyTorch, 1-D empty tensors (shape ``[0]``) are skipped whatever their rank.
    """
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    tensors = _common_dtype(tensors)
    kept = [(i, t) for i, t in enumerate(tensors) if t._data.shape != (0,)] or [(0, tensors[0])]
    first, ref = kept[0][1]._data.shape, kept[0][0]
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(
                f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    d = _check_dim(dim, len(first), "cat")
    for i, t in kept[1:]:
        shape = t._data.shape
        if len(shape) != len(first):
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got {len(first)} and "
                f"{len(shape)}"
            )
        for e, (a, b) in enumerate(zip(first, shape)):
            if e != d and a != b:
                raise RuntimeError(
                    f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{a} but got size {b} for tensor number {i} in the list (tensor number "
                    f"{ref} has shape {list(first)})."
                )
    return Cat.apply(d, *tensors)


concat = cat
concatenate = cat


def stack(tensors, dim: int = 0):
    """Join equal-shaped tensors along a new ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}"
            )
    d = _check_dim(dim, len(first) + 1, "stack")
    return Stack.apply(d, *_common_dtype(tensors))


def _split_dim(tensor: Tensor, dim: int, op: str) -> int:
    if tensor._data.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")
    return _check_dim(dim, tensor._data.ndim, op)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the
    listed sizes. The pieces are views."""
    d = _split_dim(tensor, dim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(int(s) for s in split_size_or_sections)
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                f"split_sizes={list(sizes)}"
            )
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={list(sizes)}"
            )
    else:
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}"
            )
        if size == 0 and n != 0:
            raise RuntimeError(
                f"split: split_size can only be 0 if dimension size is 0, but got dimension "
                f"size of {n}"
            )
        count = max(-(-n // size), 1) if size else 1
        sizes = tuple(min(size, n - k * size) for k in range(count))
    return Split.apply(tensor, d, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """Split into ``chunks`` pieces of equal size (``ceil(n / chunks)``; the last may be
    smaller, and there may be fewer pieces)."""
    d = _split_dim(input, dim, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[d]
    if n == 0:
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def unbind(input: Tensor, dim: int = 0):
    """Every slice along ``dim``, as a tuple of views."""
    if input._data.ndim == 0:
        raise IndexError(f"unbind(): Dimension specified as {dim} but tensor has no dimensions")
    d = _check_dim(dim, input._data.ndim, "unbind")
    if input._data.shape[d] == 0:
        return ()
    return Unbind.apply(input, d)


def _int_args(args: tuple, op: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}(): expected ints, got {type(a).__name__} in {args}")
    return tuple(int(a) for a in args)


def repeat(input: Tensor, *sizes):
    """Tile ``input`` ``sizes[i]`` times along each dim; extra leading sizes add dims."""
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _int_args(sizes, "repeat")
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            f"repeat(): Number of dimensions of repeat dims ({len(reps)}) can not be smaller "
            f"than number of dimensions of tensor ({input._data.ndim})"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat(): Trying to create tensor with negative dimension: {reps}")
    return Repeat.apply(input, reps)


def tile(input: Tensor, dims):
    """``repeat``, except that fewer ``dims`` than the tensor has are padded with 1s."""
    reps = _int_args((dims,), "tile")
    return repeat(input, (1,) * (input._data.ndim - len(reps)) + reps)


def flip(input: Tensor, *dims):
    """Reverse the order of elements along ``dims``."""
    dims = _int_args(dims, "flip")
    axes = normalize_dims(dims, input._data.ndim, "flip") or ()
    if input._data.ndim == 0:  # flipping a scalar along its (implicit) dim changes nothing
        axes = ()
    return Flip.apply(input, axes)


def roll(input: Tensor, shifts, dims=None):
    """Shift elements cyclically; with ``dims=None`` the tensor is rolled as if flattened."""
    shifts = _int_args((shifts,), "roll")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(
                f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:0"
            )
        return Roll.apply(input, shifts, None)
    dims = _int_args((dims,), "roll")
    if input._data.ndim == 0:
        raise IndexError(f"roll(): Dimension specified as {dims[0]} but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    axes = tuple(_check_dim(d, input._data.ndim, "roll") for d in dims)
    return Roll.apply(input, shifts, axes)
