"""Elementwise selection: maximum, minimum, clamp (alias clip) and where.

Where the selection is a tie, PyTorch's gradient rules differ by op: ``maximum`` and
``minimum`` split the gradient half and half between the tied inputs; ``clamp`` passes it to
``input`` when ``input`` equals a bound. Each class states its rule.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._dtype import default_float_np
from ..tensor import Tensor, _wrap
from . import _dual as D
from ._op import Op
from ._pointwise import (
    apply_broadcasting,
    binary,
    cast,
    require_tensor,
    result_dtype,
    shapes_error,
)
from ._util import promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = ["maximum", "minimum", "clamp", "clip", "where"]


def _share(ctx, g):
    """maximum/minimum backward: each input's share of g. A select, not a product, so that
    the input that lost gets exactly 0 even where g is NaN or inf (as in PyTorch)."""
    need_a, need_b = ctx.needs_input_grad
    ga = D.where(ctx.weight_a == 0, 0.0, g * ctx.weight_a) if need_a else None
    gb = D.where(ctx.weight_b == 0, 0.0, g * ctx.weight_b) if need_b else None
    return ga, gb


def _tie_weights(a, b, loses, dtype) -> np.ndarray:
    """The share of the gradient one input of maximum/minimum gets: 1 where it was chosen
    (also where either is NaN), 1/2 at a tie, 0 where ``loses`` (the other was chosen)."""
    return np.where(a == b, 0.5, np.where(loses, 0.0, 1.0)).astype(dtype, copy=False)


class Maximum(Op):
    """Elementwise maximum (NaN if either input is NaN).

    forward:  y = max(a, b)
    gradient: dL/da = g where a > b, g / 2 where a == b, 0 where a < b   (b: the mirror)
              at a NaN neither comparison holds, so both inputs get g, as in PyTorch
    saves:    those weights (constants)
    """

    @staticmethod
    def forward(ctx, a, b):
        y = np.maximum(a, b)
        need_a, need_b = ctx.needs_input_grad
        if need_a:
            ctx.weight_a = _tie_weights(a, b, a < b, y.dtype)
        if need_b:
            ctx.weight_b = _tie_weights(a, b, a > b, y.dtype)
        return y

    @staticmethod
    def backward(ctx, g):
        return _share(ctx, g)


class Minimum(Op):
    """Elementwise minimum (NaN if either input is NaN).

    forward:  y = min(a, b)
    gradient: dL/da = g where a < b, g / 2 where a == b, 0 where a > b   (b: the mirror)
    saves:    those weights (constants)
    """

    @staticmethod
    def forward(ctx, a, b):
        y = np.minimum(a, b)
        need_a, need_b = ctx.needs_input_grad
        if need_a:
            ctx.weight_a = _tie_weights(a, b, a > b, y.dtype)
        if need_b:
            ctx.weight_b = _tie_weights(a, b, a < b, y.dtype)
        return y

    @staticmethod
    def backward(ctx, g):
        return _share(ctx, g)


class Clamp(Op):
    """Clamp into [lo, hi]; either bound may be absent, a number or a tensor.

    forward:  y = min(max(x, lo), hi)   (hi everywhere when lo > hi; NaN stays NaN)
    gradient: dL/dx  = g where lo <= x <= hi (bounds included), else 0
              dL/dlo = g where x < lo and lo < hi (or x < lo when there is no hi)
              dL/dhi = g where x > hi or hi < lo (or x > hi when there is no lo)
    saves:    those three masks (constants)
    """

    @staticmethod
    def forward(ctx, x, lo, hi):
        y = x if lo is None else np.maximum(x, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        need_x, need_lo, need_hi = ctx.needs_input_grad
        if need_x:
            inside = True if lo is None else x >= lo
            ctx.mask_x = inside if hi is None else inside & (x <= hi)
        if need_lo:
            ctx.mask_lo = (x < lo) if hi is None else (x < lo) & (lo < hi)
        if need_hi:
            ctx.mask_hi = (x > hi) if lo is None else (x > hi) | (hi < lo)
        return y

    @staticmethod
    def backward(ctx, g):
        need_x, need_lo, need_hi = ctx.needs_input_grad
        zero = D.zeros_like(g)
        return (
            D.where(ctx.mask_x, g, zero) if need_x else None,
            D.where(ctx.mask_lo, g, zero) if need_lo else None,
            D.where(ctx.mask_hi, g, zero) if need_hi else None,
        )


class Where(Op):
    """Select elementwise: ``a`` where ``cond`` holds, else ``b``.

    forward:  y = cond ? a : b
    gradient: dL/da = g where cond else 0,   dL/db = 0 where cond else g
    saves:    cond

    The gradient is selected, never multiplied by a mask, so a branch that was not taken
    contributes an exact 0 to its input, even where its own value is inf or NaN. A NaN can
    still reach a leaf *through the untaken branch's own backward*, exactly as in PyTorch:
    for ``where(x > 0, sqrt(x), 0)`` at x = -1, sqrt's backward computes 0 / (2 * NaN) =
    NaN. Make the untaken branch safe instead: ``sqrt(where(x > 0, x, 1))``.
    """

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond = ctx.cond
        need_a, need_b = ctx.needs_input_grad[1:]
        zero = D.zeros_like(g)
        return (
            None,
            D.where(cond, g, zero) if need_a else None,
            D.where(cond, zero, g) if need_b else None,
        )


# ---------------------------------------------------------------- public functions
def maximum(input, other):
    """Elementwise maximum of two tensors (NaN propagates); ties split the gradient."""
    require_tensor(input, "maximum")
    require_tensor(other, "maximum", "other")
    return binary(Maximum, input, other, "maximum")


def minimum(input, other):
    """Elementwise minimum of two tensors (NaN propagates); ties split the gradient."""
    require_tensor(input, "minimum")
    require_tensor(other, "minimum", "other")
    return binary(Minimum, input, other, "minimum")


def _bound(value, name: str):
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(
            f"clamp(): argument '{name}' must be a Tensor or a number, got {type(value).__name__}"
        )
    return value


def clamp(input, min=None, max=None):  # noqa: A002 - torch names
    """Clamp ``input`` into ``[min, max]``; either bound may be None, a number or a tensor
    (broadcast against ``input``). With ``min > max`` every element becomes ``max``."""
    require_tensor(input, "clamp")
    lo, hi = _bound(min, "min"), _bound(max, "max")
    if lo is None and hi is None:
        raise RuntimeError("clamp(): at least one of 'min' or 'max' must not be None")
    dtype = result_dtype(input, lo, hi)
    x, lo, hi = cast(input, dtype), cast(lo, dtype), cast(hi, dtype)
    return apply_broadcasting(Clamp, "clamp", x, lo, hi)


clip = clamp


_MISSING = object()


def where(condition, input=_MISSING, other=_MISSING):
    """``input`` where ``condition`` is True, else ``other`` (broadcasting all three).

    Either branch may be a Python number. ``where(condition)`` alone is
    ``condition.nonzero(as_tuple=True)``: one int64 index tensor per dimension. See
    ``Where`` for how NaN and inf in the branch not taken affect gradients.
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_ and not (input is _MISSING and other is _MISSING):
        raise RuntimeError(f"where(): condition must be a bool tensor, got {cond.dtype}")
    if input is _MISSING and other is _MISSING:
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(cond)))
    if input is _MISSING or other is _MISSING or input is None or other is None:
        raise TypeError("where(): expected (condition) or (condition, input, other)")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        try:
            out = np.where(cond, input, other)
        except ValueError:
            raise shapes_error("where", cond, np.asarray(input), np.asarray(other)) from None
        if out.dtype.kind == "f":
            out = out.astype(default_float_np())
        return _wrap(out)
    a, b = promote(input, other, "where")
    return apply_broadcasting(Where, "where", cond, a, b)
