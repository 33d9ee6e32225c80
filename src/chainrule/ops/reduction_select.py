"""Order statistics: max, min, amax, amin, argmax, argmin, sort, argsort, topk.

Two gradient rules, both PyTorch's, and they differ on ties:

* ops that *select* elements and return their indices (``max``/``min`` with ``dim``, ``sort``,
  ``topk``) send each output's gradient to the one element its index names;
* ``max()``/``min()`` over the whole tensor and ``amax``/``amin`` split the gradient evenly
  among all the elements equal to the result.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor, _check_dim, _wrap
from . import _dual as D
from ._op import Op
from ._util import UNSET, keepdim_without_dim
from .reduction import _as_array, _kept_shape, _out_shape, _reduced_dims

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "sort",
    "argsort",
    "topk",
    "return_types",
]


def _values_indices(name: str):
    cls = namedtuple(name, ["values", "indices"])
    cls.__module__ = "chainrule.return_types"
    cls.__doc__ = f"What ``{name}`` returns: ``(values, indices)``, a named tuple."
    return cls


class return_types:  # noqa: N801 - torch spelling (torch.return_types.max, ...)
    """The named tuples that PyTorch returns, with fields ``values`` and ``indices``."""

    max = _values_indices("max")
    min = _values_indices("min")
    sort = _values_indices("sort")
    topk = _values_indices("topk")


# ---------------------------------------------------------------- gather / scatter along a dim
class TakeAlong(Op):
    """Pick elements along ``dim`` at ``index`` (the backward of PutAlong).

    forward:  y[..., k, ...] = x[..., index[..., k, ...], ...]
    gradient: dL/dx = zeros like x with g written back at index
    saves:    index (constant)
    """

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.index, ctx.dim, ctx.shape = index, dim, x.shape
        return np.take_along_axis(x, index, dim)

    @staticmethod
    def backward(ctx, g):
        return put_along(g, ctx.index, ctx.dim, ctx.shape), None, None


class PutAlong(Op):
    """Write ``g`` into zeros of ``shape`` at ``index`` along ``dim`` (the gradient of every
    selecting reduction; indices are distinct within a slice, so nothing accumulates).

    forward:  y = zeros(shape);  y[..., index[..., k, ...], ...] = g[..., k, ...]
    gradient: dL/dg = (dL/dy) taken along dim at index
    saves:    index (constant)
    """

    @staticmethod
    def forward(ctx, g, index, dim, shape):
        ctx.index, ctx.dim = index, dim
        out = np.zeros(shape, g.dtype)
        np.put_along_axis(out, index, g, dim)
        return out

    @staticmethod
    def backward(ctx, gg):
        return take_along(gg, ctx.index, ctx.dim), None, None, None


def take_along(x, index, dim):
    if isinstance(x, Tensor):
        return TakeAlong.apply(x, index, dim)
    return np.take_along_axis(x, index, dim)


def put_along(g, index, dim, shape):
    if isinstance(g, Tensor):
        return PutAlong.apply(g, index, dim, tuple(shape))
    return PutAlong.forward(PutAlong._node_cls(), g, index, dim, tuple(shape))


# ---------------------------------------------------------------- selecting ops: (values, indices)
class _Select(Op):
    """Base of the ops that return ``(values, indices)``: values = x at indices along dim.

    gradient: dL/dx = zeros like x with g written at the selected indices (one element each,
              even among ties); the indices output has no gradient
    saves:    the indices (constant)
    """

    @staticmethod
    def _pick(ctx, x, dim, index_of, keep: bool):
        """Values and int64 indices for the indices ``index_of(x, dim)`` (kept dims); a 0-d
        input is handled as a one-element vector."""
        ctx.shape = x.shape
        if x.ndim == 0:
            x = x.reshape(1)
        index = np.asarray(index_of(x, dim), dtype=np.int64)
        ctx.index, ctx.dim, ctx.work_shape = index, dim, x.shape
        values = np.take_along_axis(x, index, dim)
        if not keep or not ctx.shape:
            out_shape = _out_shape(x.shape, (dim,), False) if ctx.shape else ()
            values, index = values.reshape(out_shape), index.reshape(out_shape)
        ctx.mark_non_differentiable(index)
        return values, index

    @staticmethod
    def backward(ctx, g, g_indices=None):
        g = D.reshape(g, ctx.index.shape)
        grad = D.reshape(put_along(g, ctx.index, ctx.dim, ctx.work_shape), ctx.shape)
        return (grad,) + (None,) * (len(ctx.needs_input_grad) - 1)


def _argmax_kept(x, dim):
    return np.expand_dims(np.argmax(x, axis=dim), dim)  # NaN counts as the largest, as torch


def _argmin_kept(x, dim):
    return np.expand_dims(np.argmin(x, axis=dim), dim)


def _sort_index(x, dim, descending: bool):
    """Stable: equal elements keep their order. NaN sorts as the largest value."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    # Sorting the reversed array ascending and reading the result backwards gives descending
    # order in which equal elements (and NaNs, first) still keep their original order.
    n = x.shape[dim]
    return np.flip(n - 1 - np.argsort(np.flip(x, dim), axis=dim, kind="stable"), dim)


class MaxDim(_Select):
    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        return _Select._pick(ctx, x, dim, _argmax_kept, keepdim)


class MinDim(_Select):
    node_name = "MinBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        return _Select._pick(ctx, x, dim, _argmin_kept, keepdim)


class Sort(_Select):
    @staticmethod
    def forward(ctx, x, dim, descending):
        return _Select._pick(ctx, x, dim, lambda a, d: _sort_index(a, d, descending), True)


class Topk(_Select):
    @staticmethod
    def forward(ctx, x, k, dim, largest):
        def first_k(a, d):
            return np.take(_sort_index(a, d, largest), range(k), axis=d)

        return _Select._pick(ctx, x, dim, first_k, True)


# ---------------------------------------------------------------- even split among ties
def _even_split(x, y_kept, dims):
    """mask / count: 1/k on each of the k elements equal to the result, 0 elsewhere."""
    x, y_kept = _as_array(x), _as_array(y_kept)
    mask = x == y_kept
    count = mask.sum(axis=dims, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # no element equal (NaN): nan, as torch
        return mask.astype(x.dtype) / count.astype(x.dtype)


class MaxAll(Op):
    """Largest element of the whole tensor.

    forward:  y = max x
    gradient: dL/dx = g / k on each of the k elements equal to y (ties share), else 0;
              when y is NaN, the NaN elements share it
    saves:    x, y
    """

    node_name = "MaxBackward1"
    _np_fn = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x):
        y = np.asarray(cls._np_fn(x))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        x_arr = _as_array(x)
        if np.isnan(_as_array(y)):
            mask = np.isnan(x_arr)
            return g * (mask.astype(x_arr.dtype) / mask.sum())
        return g * _even_split(x, y, None)


class MinAll(MaxAll):
    """Smallest element of the whole tensor; gradient as MaxAll's."""

    node_name = "MinBackward1"
    _np_fn = staticmethod(np.min)


class Amax(Op):
    """Largest elements over ``dims``.

    forward:  y = max_{dims} x
    gradient: dL/dx = g / k on each of the k elements of a slice equal to its y, else 0
              (nan over a slice whose y is NaN, as PyTorch)
    saves:    x, y
    """

    _np_fn = staticmethod(np.amax)

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        y = np.asarray(cls._np_fn(x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if not ctx.keepdim:
            kept = _kept_shape(ctx.shape, ctx.dims)
            g, y = D.reshape(g, kept), D.reshape(y, kept)
        return g * _even_split(x, y, ctx.dims), None, None


class Amin(Amax):
    """Smallest elements over ``dims``; gradient as Amax's."""

    _np_fn = staticmethod(np.amin)


# ---------------------------------------------------------------- public functions
def _check_not_empty(input: Tensor, dims, op: str, error=RuntimeError) -> None:
    """PyTorch's errors for a reduction without identity over nothing (whole-tensor
    reductions raise RuntimeError, except argmax/argmin's IndexError)."""
    shape = input._data.shape
    if dims is None:
        if input._data.size == 0:
            raise error(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {d} to have non-zero size "
                f"(input shape {list(shape)})."
            )


def _extreme(name: str, all_cls, dim_cls, input, dim, keepdim, other):
    if isinstance(dim, Tensor):  # max(input, other): the elementwise maximum
        other, dim = dim, None
    if other is not None:
        import chainrule

        binary = getattr(chainrule, "maximum" if name == "max" else "minimum", None)
        if binary is None:
            raise NotImplementedError(f"{name}(input, other) needs chainrule.{name}imum")
        return binary(input, other)
    if dim is None:
        if keepdim is not UNSET:
            raise keepdim_without_dim(name, keepdim, EXTREME_SIGNATURES, method=False)
        _check_not_empty(input, None, name)
        return all_cls.apply(input)
    if keepdim is UNSET:
        keepdim = False
    d = _check_dim(dim, input._data.ndim, name)
    _check_not_empty(input, (d,), name)
    result = getattr(return_types, name)
    return result(*dim_cls.apply(input, d, keepdim))


# The signatures PyTorch lists when ``keepdim`` comes without ``dim`` (see _util.UNSET).
EXTREME_SIGNATURES = ("()", "(Tensor other)", "(int dim, bool keepdim = False)")


def max(input: Tensor, dim=None, keepdim: bool = UNSET, *, other=None):  # noqa: A001
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor as
    second argument, the elementwise maximum (``chainrule.maximum``)."""
    return _extreme("max", MaxAll, MaxDim, input, dim, keepdim, other)


def min(input: Tensor, dim=None, keepdim: bool = UNSET, *, other=None):  # noqa: A001
    """The smallest element; with ``dim``, ``(values, indices)``; see ``max``."""
    return _extreme("min", MinAll, MinDim, input, dim, keepdim, other)


def _amax_like(cls, op: str, input: Tensor, dim, keepdim: bool):
    dims = _reduced_dims(input, dim, op)
    _check_not_empty(input, dims, op)
    return cls.apply(input, dims, keepdim)


def amax(input: Tensor, dim=(), keepdim: bool = False):
    """The largest elements over ``dim`` (an int or a tuple; all dims by default)."""
    return _amax_like(Amax, "amax", input, dim, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False):
    """The smallest elements over ``dim`` (an int or a tuple; all dims by default)."""
    return _amax_like(Amin, "amin", input, dim, keepdim)


def _arg_extreme(np_fn, op: str, input: Tensor, dim, keepdim: bool) -> Tensor:
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{op}(): does not support bool input")
    if dim is None:
        _check_not_empty(input, None, op, IndexError)
        index = np.asarray(np_fn(x), dtype=np.int64)
        return _wrap(index.reshape((1,) * x.ndim) if keepdim else index)
    d = _check_dim(dim, x.ndim, op)
    _check_not_empty(input, (d,), op)
    if x.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    return _wrap(np.asarray(np_fn(x, axis=d, keepdims=keepdim), dtype=np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None); the
    first one among ties, NaN counting as largest."""
    return _arg_extreme(np.argmax, "argmax", input, dim, keepdim)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None); first among ties."""
    return _arg_extreme(np.argmin, "argmin", input, dim, keepdim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` sorted along ``dim``. Always stable (equal elements keep their
    order, also when descending); NaN sorts as the largest value, as in PyTorch."""
    d = _check_dim(dim, input._data.ndim, "sort")
    return return_types.sort(*Sort.apply(input, 0 if input._data.ndim == 0 else d, descending))


def argsort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stable; see ``sort``)."""
    x = input._data
    d = _check_dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    return _wrap(np.asarray(_sort_index(x, d, descending), dtype=np.int64))


def topk(
    input: Tensor,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002 - torch name
):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``.

    The result is always sorted. Among equal elements the earliest are taken; PyTorch's
    choice among ties is implementation-defined, so indices (not values) may differ there.
    """
    x = input._data
    d = _check_dim(dim, x.ndim, "topk")
    size = x.shape[d] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): k must be an int, got {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk(): selected index k out of range (k={k}, but dim {d} of input shape "
            f"{list(x.shape)} has size {size})"
        )
    if x.ndim == 0:
        k = 1  # PyTorch returns the element of a 0-d tensor for k = 0 as well
    return return_types.topk(*Topk.apply(input, int(k), d, largest))
