"""Indexing: reading parts of a tensor (``x[key]``, select, narrow, masked_select) and
writing them (``x[key] = v``, masked_fill).

Every read is one of two primitives: ``Index`` (ints, slices, None, ...: a view) or
``AdvancedIndex`` (integer arrays, boolean masks: a copy), whose gradient is the
scatter-add ``IndexPut``. Every write is ``SetItem``: its gradient is zero at the written
positions for the old tensor, and the written region for the value. ``scatter.py`` builds
gather, scatter, index_select and take on the same primitives.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op
from ._util import broadcast_error
from .inplace import _check_target, _readonly_error, _tracked

__all__ = ["select", "narrow", "masked_fill", "masked_select"]


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
        return D.run(IndexPut, g, ctx.key, ctx.shape, False), None


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
        return D.run(IndexPut, g, ctx.key, ctx.shape, True), None


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
        return D.index(gg, ctx.key, advanced=ctx.accumulate), None, None, None


class SetItem(Op):
    """Write ``value`` into ``x`` at ``key`` (``x[key] = value``).

    forward:  y = x;  y[key] = value   (value broadcast to the shape of x[key], cast to x's
              dtype; on a copy of x, or into x's memory for the in-place ``x[key] = v``)
    gradient: dL/dx = g, zeroed at key (those old values were overwritten)
              dL/dvalue = g[key] (the engine sums it over the dims value was broadcast on)
    saves:    nothing

    ``key`` is a tuple of stages ``((key, advanced), ...)`` applied one after the other
    (see ``parse_key``).
    """

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, value, stages, inplace):
        ctx.stages = stages
        y = x if inplace else x.copy()
        _assign(y, stages, value)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_value = ctx.needs_input_grad[:2]
        gx = D.run(SetItem, g, 0, ctx.stages, False) if need_x else None
        gv = None
        if need_value:
            gv = g
            for key, advanced in ctx.stages:
                gv = D.index(gv, key, advanced)
        return gx, gv, None, None


def _assign(y: np.ndarray, stages: tuple, value) -> None:
    """``y[key] = value`` for a staged key (see ``parse_key``)."""
    for key, _ in stages[:-1]:
        y = y[key]  # basic indexing: a view, so the write below lands in the original
    y[stages[-1][0]] = value


class MaskedFill(SetItem):
    """``masked_fill``: SetItem with a boolean mask as the key."""

    node_name = "MaskedFillBackward0"


class MaskedFillTensor(MaskedFill):
    """``masked_fill`` with a 0-d tensor value (PyTorch names its node apart)."""

    node_name = "MaskedFillBackward1"


# ---------------------------------------------------------------- x[key] and x[key] = v
def _index_part(k, op: str):
    if isinstance(k, Tensor):
        k = k._data
        if k.dtype.kind not in "iub":
            raise IndexError(
                f"{op}: tensors used as indices must be long, int or bool tensors, got {k.dtype}"
            )
        if k.ndim == 0 and k.dtype.kind != "b":
            return int(k)  # a 0-d integer tensor indexes like an int (a view)
        return k
    if isinstance(k, list):
        arr = np.asarray(k)
        if arr.size and arr.dtype.kind not in "iub":
            raise IndexError(f"{op}: lists used as indices must hold ints or bools")
        return arr.astype(np.int64) if arr.size == 0 else arr
    if isinstance(k, slice) and k.step is not None and k.step <= 0:
        # PyTorch has no negative strides (flip() copies instead)
        raise ValueError(f"{op}: step must be greater than zero, got {k}")
    return k


def _is_int(k) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def parse_key(key, op: str) -> tuple:
    """``key`` as stages ``((key, advanced), ...)`` that NumPy applies one after another.

    A key of ints, slices, None and ... is one basic stage (a view). A key with index arrays
    or masks is advanced; if it also holds ints, PyTorch applies those first (as selects),
    so ``x[0, :, [1, 2]]`` has shape (n1, 2) where NumPy would give (2, n1): the ints go in
    a basic first stage and the arrays in a second one.
    """
    parts = tuple(_index_part(k, op) for k in (key if isinstance(key, tuple) else (key,)))
    if all(k is None or k is Ellipsis or isinstance(k, slice) or _is_int(k) for k in parts):
        if Ellipsis not in parts:
            parts = parts + (Ellipsis,)  # keeps x[i] a 0-d view instead of a NumPy scalar
        return ((parts, False),)
    if not any(_is_int(k) for k in parts) or any(isinstance(k, (bool, np.bool_)) for k in parts):
        return ((parts, True),)  # NumPy's rule is PyTorch's here
    first, second = [], []
    for k in parts:
        if isinstance(k, np.ndarray):
            n = k.ndim if k.dtype == np.bool_ else 1
            first += [slice(None)] * n
            second.append(k)
        elif _is_int(k):
            first.append(k)
        else:
            first.append(k)
            second.append(k if k is Ellipsis else slice(None))
    if Ellipsis not in first:
        first.append(Ellipsis)
    return ((tuple(first), False), (tuple(second), True))


def _region_shape(a: np.ndarray, stages: tuple) -> list:
    for key, _ in stages:
        a = a[key]
    return list(a.shape)


def getitem(input: Tensor, key):
    """``x[key]`` with PyTorch's semantics; integer-array and mask indexing copy."""
    stages = parse_key(key, "__getitem__")
    out = input
    try:
        for k, advanced in stages:
            out = (AdvancedIndex if advanced else Index).apply(out, k)
    except IndexError as e:
        raise IndexError(f"__getitem__: {e} (tensor of shape {list(input.shape)})") from None
    return out


def _write(cls, x: Tensor, value, stages: tuple, op: str) -> Tensor:
    """``x[key] = value`` in ``x``'s memory; recorded (``x`` takes the node) when tracked."""
    if not x._data.flags.writeable:
        raise _readonly_error(x, op)
    try:
        if _tracked(x, (value,)):
            _check_target(x, op)
            y = cls.apply(x, value, stages, True)  # writes into x's memory
            x._grad_fn, x._output_nr = y._grad_fn, y._output_nr
            x._requires_grad = y._requires_grad
        else:
            _assign(x._data, stages, value._data if isinstance(value, Tensor) else value)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        vshape = list(value._data.shape) if isinstance(value, Tensor) else []
        raise RuntimeError(
            f"{op}: shape mismatch: value tensor of shape {vshape} cannot be broadcast to "
            f"indexing result of shape {_region_shape(x._data, stages)}"
        ) from None
    except IndexError as e:
        raise IndexError(f"{op}: {e} (tensor of shape {list(x.shape)})") from None
    x._bump_version()
    return x


def _check_overlap(x: np.ndarray, stages: tuple, value: np.ndarray, op: str) -> None:
    """PyTorch refuses ``x[1:] = x[:-1]``: the value partly overlaps what is written."""
    target = x
    for key, advanced in stages:
        if advanced:
            target = None
            break
        target = target[key]
    same = (
        target is not None
        and target.__array_interface__ == value.__array_interface__
        and target.shape == value.shape
    )
    if not same and np.shares_memory(x, value):
        raise RuntimeError(
            f"{op}: unsupported operation: some elements of the input tensor and the written-to "
            "tensor refer to a single memory location. Please clone() the tensor before "
            "performing the operation."
        )


def setitem(input: Tensor, key, value) -> None:
    """``x[key] = value`` (a number or a tensor broadcast to ``x[key]``), in place."""
    stages = parse_key(key, "__setitem__")
    if isinstance(value, Tensor):
        vd = value._data
        if stages[-1][1] and vd.dtype != input._data.dtype:
            raise RuntimeError(
                "__setitem__: Index put requires the source and destination dtypes match, got "
                f"{input.dtype} for the destination and {value.dtype} for the source."
            )
        lead = 0
        while lead < vd.ndim and vd.shape[lead] == 1:
            lead += 1
        if np.may_share_memory(input._data, vd):
            _check_overlap(input._data, stages, vd, "__setitem__")
        if lead:  # PyTorch drops leading size-1 dims of the value (so its gradient fits)
            value = D.reshape(value, vd.shape[lead:])
    elif isinstance(value, np.generic):
        value = value.item()
    elif not isinstance(value, (int, float, bool)):
        raise TypeError(f"__setitem__: can't assign a {type(value).__name__} to a Tensor")
    _write(SetItem, input, value, stages, "__setitem__")


# ---------------------------------------------------------------- views along a dim
def select(input: Tensor, dim: int, index: int):
    """The slice at ``index`` along ``dim`` (a view, one dim fewer)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _check_dim(dim, nd, "select")
    n = input._data.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{list(input.shape)} at dimension {dim}"
        )
    return Index.apply(input, (slice(None),) * d + (index, Ellipsis))


def narrow(input: Tensor, dim: int, start, length: int):
    """``length`` elements along ``dim`` from ``start`` (a view)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _check_dim(dim, nd, "narrow")
    n = input._data.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(
            f"narrow(): start out of range (expected to be in range of [{-n}, {n}], but got "
            f"{start})"
        )
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({n})."
        )
    return Index.apply(input, (slice(None),) * d + (slice(start, start + length), Ellipsis))


# ---------------------------------------------------------------- masks
def _bool_mask(mask, op: str) -> np.ndarray:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): mask must be a Tensor, got {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"{op} only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    return mask._data


def _broadcast(input: Tensor, mask: np.ndarray, op: str) -> tuple:
    try:
        return np.broadcast_shapes(input._data.shape, mask.shape)
    except ValueError:
        raise broadcast_error(op, [input._data.shape, mask.shape]) from None


def _fill_value(value, op: str):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return value
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, (int, float, bool)):
        raise TypeError(f"{op}(): value must be a number or a 0-d tensor, got {type(value)}")
    return value


def masked_fill(input: Tensor, mask: Tensor, value):
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) where ``mask`` is True."""
    m = _bool_mask(mask, "masked_fill")
    value = _fill_value(value, "masked_fill")
    shape = _broadcast(input, m, "masked_fill")
    if input._data.shape != shape:
        input = D.expand(input, shape)
    cls = MaskedFillTensor if isinstance(value, Tensor) else MaskedFill
    return cls.apply(input, value, (((np.broadcast_to(m, shape),), True),), False)


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input[mask] = value`` in place (``mask`` broadcasts to ``input``'s shape)."""
    m = _bool_mask(mask, "masked_fill_")
    value = _fill_value(value, "masked_fill_")
    shape = _broadcast(input, m, "masked_fill_")
    if shape != input._data.shape:
        raise RuntimeError(
            f"masked_fill_: output with shape {list(input.shape)} doesn't match the broadcast "
            f"shape {list(shape)}"
        )
    key = (np.broadcast_to(m, shape),)
    cls = MaskedFillTensor if isinstance(value, Tensor) else MaskedFill
    return _write(cls, input, value, ((key, True),), "masked_fill_")


def masked_select(input: Tensor, mask: Tensor):
    """The elements of ``input`` where ``mask`` is True, as a vector (both broadcast)."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    m = mask._data
    shape = _broadcast(input, m, "masked_select")
    if input._data.shape != shape:
        input = D.expand(input, shape)
    return AdvancedIndex.apply(input, (np.broadcast_to(m, shape),))
