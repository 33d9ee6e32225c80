"""Reordering dims: permute, transpose, t, .T, .mT, movedim (all views)."""

from __future__ import annotations

import warnings

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from .join import _int_args

__all__ = ["permute", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis"]


class Transpose(Op):
    """Swap two dimensions (a view).

    forward:  y = swapaxes(x, d0, d1)
    gradient: dL/dx = swapaxes(g, d0, d1)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return x.swapaxes(d0, d1)

    @staticmethod
    def backward(ctx, g):
        return D.run(Transpose, g, *ctx.dims), None, None


class Permute(Op):
    """Reorder the dimensions (a view): output dim i is input dim perm[i].

    forward:  y = transpose(x, perm)
    gradient: dL/dx = transpose(g, inverse of perm)
    """

    _view = True

    @staticmethod
    def forward(ctx, x, perm):
        ctx.perm = perm
        return x.transpose(perm)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.perm)
        for i, p in enumerate(ctx.perm):
            inverse[p] = i
        return D.run(Permute, g, tuple(inverse)), None


# ---------------------------------------------------------------- reordering dims
def _alias(input: Tensor):
    """A new tensor viewing all of ``input`` (what t() of a vector returns)."""
    return D.reshape(input, input._data.shape)


def permute(input: Tensor, *dims):
    """Reorder dims: output dim i is input dim ``dims[i]`` (a view)."""
    dims = _int_args(dims, "permute")
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(): number of dimensions in the tensor input does not match the length of "
            f"the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    perm = tuple(_check_dim(d, nd, "permute") for d in dims)
    if len(set(perm)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (dims {list(dims)}).")
    return Permute.apply(input, perm)


def transpose(input: Tensor, dim0: int, dim1: int):
    """Swap dims ``dim0`` and ``dim1`` (a view)."""
    nd = input._data.ndim
    d0, d1 = _check_dim(dim0, nd, "transpose"), _check_dim(dim1, nd, "transpose")
    if nd == 0:
        return _alias(input)
    return Transpose.apply(input, d0, d1)


swapaxes = transpose
swapdims = transpose


def t(input: Tensor):
    """The transpose of a matrix; vectors and scalars are returned as they are (a view)."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return Transpose.apply(input, 0, 1) if nd == 2 else _alias(input)


def numpy_T(input: Tensor):
    """``x.T``: all dims reversed. PyTorch deprecates it for tensors other than 2-D (and
    warns); 0-D and 1-D tensors come back unchanged (as a view)."""
    nd = input._data.ndim
    if nd == 0:
        warnings.warn(
            "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
            UserWarning,
            stacklevel=3,
        )
        return _alias(input)
    if nd != 2:
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*range(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.",
            UserWarning,
            stacklevel=3,
        )
    if nd == 1:
        return _alias(input)
    return Permute.apply(input, tuple(range(nd - 1, -1, -1)))


def matrix_T(input: Tensor):
    """``x.mT``: the last two dims swapped (a batch of matrices transposed)."""
    nd = input._data.ndim
    if nd == 0:
        warnings.warn(
            "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
            UserWarning,
            stacklevel=3,
        )
        return _alias(input)
    if nd == 1:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."
        )
    return Transpose.apply(input, nd - 2, nd - 1)


def movedim(input: Tensor, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    nd = input._data.ndim
    src, dst = _int_args((source,), "movedim"), _int_args((destination,), "movedim")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(_check_dim(d, nd, "movedim") for d in src)
    dst = tuple(_check_dim(d, nd, "movedim") for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    if nd == 0:
        return _alias(input)
    rest = iter(d for d in range(nd) if d not in src)
    placed = dict(zip(dst, src))
    return Permute.apply(input, tuple(placed[i] if i in placed else next(rest) for i in range(nd)))


moveaxis = movedim
