"""Piecewise ops: abs, sign, rounding (floor, ceil, trunc, round, frac), rounded division and
remainders (fmod, remainder), and nan_to_num.

Several of these are piecewise constant: PyTorch still records them, with a zero gradient,
so their outputs require grad like any other op's. They share ``PiecewiseConstant``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _dual as D
from ._op import Op
from ._pointwise import binary, integer_like, not_implemented, require_tensor
from ._util import promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "abs",
    "absolute",
    "sign",
    "floor",
    "ceil",
    "trunc",
    "fix",
    "round",
    "frac",
    "fmod",
    "remainder",
    "nan_to_num",
]


def sign_array(x: np.ndarray) -> np.ndarray:
    """PyTorch's sign on an array: -1, 0 or 1, and 0 (not NaN) for NaN."""
    if x.dtype.kind == "b":
        return x.copy()
    s = np.sign(x)
    return np.where(np.isnan(s), 0, s) if x.dtype.kind == "f" else s


class Abs(Op):
    """Absolute value.

    forward:  y = |x|
    gradient: dL/dx = g * sign(x)   (0 at x == 0 and at NaN, as in PyTorch)
    saves:    sign(x), a constant: its own derivative is zero
    """

    @staticmethod
    def forward(ctx, x):
        if ctx.needs_input_grad[0]:
            ctx.sign = sign_array(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.sign


class PiecewiseConstant(Op):
    """Base of the ops whose output is constant between jumps.

    gradient: dL/dx = 0 for every input (PyTorch's convention, also at the jumps)
    """

    @staticmethod
    def backward(ctx, g):
        return tuple(D.zeros_like(g) if need else None for need in ctx.needs_input_grad)


class Sign(PiecewiseConstant):
    """Sign: -1, 0 or 1 (0 for NaN). forward: y = sign(x)."""

    @staticmethod
    def forward(ctx, x):
        return sign_array(x)


class Floor(PiecewiseConstant):
    """Round down. forward: y = floor(x)."""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(PiecewiseConstant):
    """Round up. forward: y = ceil(x)."""

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(PiecewiseConstant):
    """Round towards zero. forward: y = trunc(x)."""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Round(PiecewiseConstant):
    """Round half to even, to ``decimals`` places.

    forward:  y = rint(x * 10**d) / 10**d,  or rint(x / 10**-d) * 10**-d for d < 0
              (PyTorch's formulas: dividing by 10 is exact where multiplying by 0.1 is not)
    """

    @staticmethod
    def forward(ctx, x, decimals):
        if decimals == 0:
            return np.rint(x)
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                scale = x.dtype.type(10.0**decimals)
                return np.rint(x * scale) / scale
            scale = x.dtype.type(10.0**-decimals)
            return np.rint(x / scale) * scale


class DivRounded(PiecewiseConstant):
    """Division rounded to an integer: ``div(a, b, rounding_mode='trunc' | 'floor')``.

    forward:  y = trunc(a / b)  or  floor(a / b) (Python's //, exact at the boundaries)
    Integer division by zero raises, as in PyTorch; floating division by zero gives inf/NaN.
    """

    node_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        if np.result_type(a, b).kind in "iu":
            _check_integer_divisor(b, "div")
            q = np.floor_divide(a, b)
            if mode == "trunc":  # floor rounds the negative quotients with a remainder down
                q = q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
            return q
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(a / b) if mode == "trunc" else np.floor_divide(a, b)


class Frac(Op):
    """Fractional part, with the sign of x.

    forward:  y = x - trunc(x)
    gradient: dL/dx = g
    """

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in PyTorch
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, g):
        return g


class Fmod(Op):
    """C's remainder: the sign of the dividend.

    forward:  y = a - trunc(a / b) * b
    gradient: dL/da = g,   dL/db = -g * trunc(a / b)
    saves:    trunc(a / b) (if b needs a gradient), a constant almost everywhere
    """

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[1]:
                ctx.quotient = np.trunc(a / b)
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (-g * ctx.quotient if need_b else None)


class Remainder(Op):
    """Python's remainder (``%``): the sign of the divisor.

    forward:  y = a - floor(a / b) * b
    gradient: dL/da = g,   dL/db = -g * floor(a / b)
    saves:    floor(a / b) (if b needs a gradient), a constant almost everywhere
    """

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[1]:
                ctx.quotient = np.floor_divide(a, b)
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (-g * ctx.quotient if need_b else None)


class NanToNum(Op):
    """Replace NaN, +inf and -inf by finite numbers.

    forward:  y = x where finite, else nan / posinf / neginf
    gradient: dL/dx = g where x is finite, else 0
    saves:    isfinite(x)
    """

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        if ctx.needs_input_grad[0]:
            ctx.finite = np.isfinite(x)
        with np.errstate(over="ignore"):  # a replacement beyond the dtype's range becomes inf
            return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return D.where(ctx.finite, g, D.zeros_like(g)), None, None, None


def _check_integer_divisor(b, op: str) -> None:
    if np.any(np.asarray(b) == 0):
        raise RuntimeError(f"{op}(): ZeroDivisionError (an integer divided by zero)")


# ---------------------------------------------------------------- public functions
def abs(input):  # noqa: A001 - torch name
    require_tensor(input, "abs")
    if input._data.dtype.kind == "b":
        raise not_implemented("abs", input)
    return Abs.apply(input)


absolute = abs


def sign(input):
    require_tensor(input, "sign")
    return Sign.apply(input)


def floor(input):
    copy = integer_like(input, "floor")
    return Floor.apply(input) if copy is None else copy


def ceil(input):
    copy = integer_like(input, "ceil")
    return Ceil.apply(input) if copy is None else copy


def trunc(input):
    copy = integer_like(input, "trunc")
    return Trunc.apply(input) if copy is None else copy


fix = trunc


def round(input, *, decimals: int = 0):  # noqa: A001 - torch name
    """Round half to even; ``decimals`` places after the point (negative: before it)."""
    copy = integer_like(input, "round")
    if copy is None:
        return Round.apply(input, int(decimals))
    if decimals != 0:
        raise not_implemented("round", input)
    return copy


def frac(input):
    require_tensor(input, "frac")
    if input._data.dtype.kind != "f":
        raise not_implemented("frac", input)
    return Frac.apply(input)


def fmod(input, other):
    """C's remainder (sign of ``input``); ``other`` may be a number. Integer tensors stay
    integers, and dividing them by zero raises."""
    require_tensor(input, "fmod")
    return _checked_remainder(Fmod, input, other, "fmod")


def remainder(input, other):
    """Python's ``%`` (sign of ``other``); either argument may be a number."""
    return _checked_remainder(Remainder, input, other, "remainder")


def _checked_remainder(cls, input, other, op: str):
    input, other = promote(input, other, op)  # a bool tensor meeting an int becomes int64
    for x in (input, other):
        if isinstance(x, Tensor) and x._data.dtype.kind == "b":
            raise not_implemented(op, x)
    a, b = (x._data if isinstance(x, Tensor) else x for x in (input, other))
    if np.result_type(a, b).kind in "iu":
        _check_integer_divisor(b, op)
    return binary(cls, input, other, op)


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None):
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf``; the infinities default to the
    dtype's largest finite values. Integer and bool tensors are returned as copies."""
    require_tensor(input, "nan_to_num")
    if input._data.dtype.kind != "f":
        return input.detach().clone()
    return NanToNum.apply(input, nan, posinf, neginf)
