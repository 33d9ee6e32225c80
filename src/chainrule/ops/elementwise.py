"""Elementwise arithmetic: y_i = f(a_i, b_i), broadcasting like NumPy/PyTorch.

This module also gathers the whole elementwise family's public names, so that
``from chainrule.ops.elementwise import *`` is every elementwise op:

- here: add, sub, mul, div (rounding modes), neg, pow, lerp
- ``exponential.py``: exp, log and their relatives, sqrt, rsqrt, square, reciprocal, erf
- ``trig.py``: sin, cos, tan, their inverses, atan2, sinh, cosh
- ``rounding.py``: abs, sign, floor, ceil, trunc, round, frac, fmod, remainder, nan_to_num
- ``minmax.py``: maximum, minimum, clamp/clip, where (selecting elementwise)
- ``logic.py``: comparisons, bitwise and logical ops, isnan/isinf/isfinite, isclose,
  allclose, equal
"""

from __future__ import annotations

import numbers
import operator
import warnings

import numpy as np

from ..tensor import Tensor, _wrap, tensor
from ._op import Op
from ._pointwise import (
    apply_broadcasting,
    binary,
    not_implemented,
    require_tensor,
    result_dtype,
)
from ._quiet import quietly
from ._util import float_operands, promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "neg",
    "negative",
    "pow",
    "lerp",
]


# NOTE: + - * are the hottest ops; guarding every call with quiet() (ops/_quiet.py) would
# add about 13% to each. Their only possible NumPy warnings are overflow and inf - inf, which
# PyTorch turns into inf and nan silently; one warnings filter for this module drops them at
# no per-call cost (NumPy attributes the warning to the forward formula's line here).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule\.ops\.elementwise$")


class Add(Op):
    """Elementwise sum.

    forward:  y = a + b
    gradient: dL/da = g,   dL/db = g
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    """Elementwise difference.

    forward:  y = a - b
    gradient: dL/da = g,   dL/db = -g
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """Elementwise product.

    forward:  y = a * b
    gradient: dL/da = g * b,   dL/db = g * a
    saves:    b if a needs a gradient, a if b does
    """

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Op):
    """Elementwise true division.

    forward:  y = a / b
    gradient: dL/da = g / b,   dL/db = -g * a / b**2
    saves:    a (if b needs a gradient) and b
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return quietly(operator.truediv, a, b)  # x / 0 is +-inf and 0 / 0 nan, silently

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


class Neg(Op):
    """Negation.

    forward:  y = -x
    gradient: dL/dx = -g
    """

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(Op):
    """Power with a constant exponent p (a Python number).

    forward:  y = x ** p
    gradient: dL/dx = g * p * x ** (p - 1)   (zero when p == 0, so 0 ** -1 never appears)
    saves:    x
    """

    node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return quietly(operator.pow, x, p)  # overflow, 0 ** -1 and (-2) ** 0.5: inf, nan

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return D.zeros_like(g), None
        if p == 2:  # the common square: g * 2 * x, with the exact doubling as g + g
            return (g + g) * x, None  # (no Python number for NumPy to convert: ops/_consts)
        if p == 0.5:  # sqrt, PyTorch's way: g / (2 sqrt(x)) (-inf at -0.0, NaN at -inf)
            return g / (x**0.5 * 2), None
        return g * p * x ** (p - 1), None


class Pow(Op):
    """Power with a tensor exponent (``a`` may be a Python number: ``2 ** x``).

    forward:  y = a ** b
    gradient: dL/da = g * b * a ** (b - 1)
              dL/db = g * y * log(a), taken as 0 where a == 0 and b >= 0 (the limit)
    saves:    a, b, y
    """

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        y = quietly(operator.pow, a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            ga = D.where(b == 0, 0.0, g * b * a ** (b - 1))
        if need_b:
            # log(a) only where a > 0; elsewhere PyTorch's limits: 0 where a == 0 and b >= 0,
            # -inf where a == 0 and b < 0 (y is inf there), nan where a < 0.
            pos = a > 0
            log_a = D.log(D.where(pos, a, 1.0))
            edge = D.where((a == 0) & (b >= 0), 0.0, D.where(a == 0, -np.inf, np.nan))
            gb = g * D.where(pos, y * log_a, edge)
        return ga, gb


class Lerp(Op):
    """Linear interpolation from ``a`` to ``b`` by the weight ``w`` (a number or a tensor).

    forward:  y = a + w * (b - a), computed as b - (b - a) * (1 - w) where |w| >= 1/2
              (PyTorch's formula: y is exactly b at w == 1)
    gradient: dL/da = g * (1 - w),   dL/db = g * w,   dL/dw = g * (b - a)
    saves:    a and b (if w needs a gradient), w
    """

    @staticmethod
    def forward(ctx, a, b, w):
        if not isinstance(w, np.ndarray):  # a Python number: a constant of the op
            ctx.weight = w
            return a + w * (b - a) if -0.5 < w < 0.5 else b - (b - a) * (1 - w)
        ctx.weight = None
        need_w = ctx.needs_input_grad[2]
        ctx.save_for_backward(a if need_w else None, b if need_w else None, w)
        d = b - a
        return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))

    @staticmethod
    def backward(ctx, g):
        need_a, need_b, need_w = ctx.needs_input_grad
        w = ctx.weight
        if w is None:
            a, b, w = ctx.saved_tensors
        return (
            g * (1 - w) if need_a else None,
            g * w if need_b else None,
            g * (b - a) if need_w else None,
        )


# ---------------------------------------------------------------- public functions
def _scaled(other, alpha, input, op: str):
    """``alpha * other`` for add/sub's ``alpha`` keyword (PyTorch refuses a float alpha
    when the result is an integer tensor)."""
    if isinstance(alpha, float) and result_dtype(input, other).kind in "biu":
        raise RuntimeError(
            f"{op}(): for integral input tensors, argument alpha must not be a floating point "
            f"number (got alpha={alpha})"
        )
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def add(input, other, *, alpha=1):
    """``input + alpha * other``."""
    if alpha != 1:
        other = _scaled(other, alpha, input, "add")
    return binary(Add, input, other, "add")


def sub(input, other, *, alpha=1):
    """``input - alpha * other``; PyTorch refuses bool tensors here (use ``~`` or
    ``logical_xor``)."""
    for x in (input, other):
        if isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b"):
            raise RuntimeError(
                "sub(): subtraction, the `-` operator, with a bool tensor is not supported. "
                "If you are trying to invert a mask, use the `~` or `logical_not()` operator "
                "instead."
            )
    if alpha != 1:
        other = _scaled(other, alpha, input, "sub")
    return binary(Sub, input, other, "sub")


def mul(input, other):
    return binary(Mul, input, other, "mul")


def div(input, other, *, rounding_mode: str | None = None):
    """True division; integer inputs give a floating result, as in PyTorch.

    ``rounding_mode='trunc'`` rounds the quotient towards zero, ``'floor'`` down (Python's
    ``//``); then integer inputs stay integers and dividing them by zero raises.
    """
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(
                "div(): expected rounding_mode to be one of None, 'trunc', or 'floor' "
                f"but found {rounding_mode!r}"
            )
        a, b = promote(input, other, "div")
        for x in (a, b):
            if isinstance(x, Tensor) and x._data.dtype.kind == "b":
                raise not_implemented(f"div(rounding_mode={rounding_mode!r})", x)
        return apply_broadcasting(DivRounded, "div", a, b, rounding_mode)
    a, b = promote(input, other, "div")
    a, b = float_operands(a, b)
    if isinstance(b, numbers.Integral) and not isinstance(b, bool):
        b = float(b)
    return binary(Div, a, b, "div")


def true_divide(input, other):
    return div(input, other)


def floor_divide(input, other):
    """``input // other``: division rounded down (``div(..., rounding_mode='floor')``)."""
    return div(input, other, rounding_mode="floor")


def neg(input):
    require_tensor(input, "neg")
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "neg(): negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


def pow(input, exponent):
    """``input ** exponent``; either may be a Python number."""
    if isinstance(exponent, Tensor):
        if not isinstance(input, Tensor):  # 2 ** x: the base becomes a constant 0-d tensor
            if isinstance(input, np.generic):  # NumPy scalars promote like Python numbers
                input = input.item()
            _, exponent = promote(input, exponent, "pow")
            input = tensor(input, dtype=exponent._data.dtype)
        a, b = promote(input, exponent, "pow")
        if a._data.dtype == np.bool_ and b._data.dtype == np.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool' (both operands bool)")
        return binary(Pow, a, b, "pow")
    if isinstance(exponent, np.generic):
        exponent = exponent.item()
    if not isinstance(exponent, numbers.Real):
        raise TypeError(
            f"pow(): exponent must be a Tensor or a number, got {type(exponent).__name__}"
        )
    x, exponent = promote(input, exponent, "pow")
    if x._data.dtype == np.bool_:  # only a bool exponent keeps a bool tensor bool
        return x.clone() if exponent else _wrap(np.ones_like(x._data))
    if x._data.dtype.kind in "iu" and exponent < 0:
        raise RuntimeError("pow(): integers to negative integer powers are not allowed")
    return PowScalar.apply(x, exponent)


def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor, and all three
    broadcast. ``input`` and ``end`` must share a floating dtype (PyTorch does not promote)."""
    require_tensor(input, "lerp")
    require_tensor(end, "lerp", "end")
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise not_implemented("lerp", input)
    if isinstance(weight, np.generic):
        weight = weight.item()
    for name, x in (("end", end), ("weight", weight)):
        if isinstance(x, Tensor) and x._data.dtype != dtype and (name == "end" or x.ndim):
            raise RuntimeError(
                f"lerp(): expected dtype {input.dtype} for `{name}` but got dtype {x.dtype}"
            )
    if isinstance(weight, Tensor) and weight._data.dtype != dtype:
        weight = weight.to(dtype)  # a 0-d weight of another float dtype is accepted
    elif not isinstance(weight, (Tensor, numbers.Real)):
        raise TypeError(f"lerp(): weight must be a Tensor or a number, got {type(weight).__name__}")
    return apply_broadcasting(Lerp, "lerp", input, end, weight)


# NumPy-style aliases that PyTorch also provides
subtract, multiply, divide, negative = sub, mul, div, neg


# The rest of the family, imported last: ops/_dual.py (which the backward formulas use) and the
# modules it pulls in import this one, and need the arithmetic above to exist already.
from . import _dual as D  # noqa: E402
from . import exponential, logic, minmax, rounding, trig  # noqa: E402
from .exponential import *  # noqa: E402, F403

# (ops/_dual.py reaches Exp and Log through here)
from .exponential import Exp, Log  # noqa: E402, F401
from .logic import *  # noqa: E402, F403
from .minmax import *  # noqa: E402, F403
from .rounding import *  # noqa: E402, F403
from .rounding import Abs, DivRounded, Sign  # noqa: E402, F401
from .trig import *  # noqa: E402, F403

__all__ += exponential.__all__ + trig.__all__ + rounding.__all__ + minmax.__all__ + logic.__all__
