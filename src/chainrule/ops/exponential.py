"""Exponentials, logarithms, powers and roots, and erf: elementwise, on floating tensors
(integer and bool inputs are promoted to the default float dtype, as in PyTorch)."""

from __future__ import annotations

import math

import numpy as np

from . import _dual as D
from ._op import Op
from ._pointwise import apply_broadcasting, float_input, not_implemented, require_tensor
from ._quiet import quiet, quietly
from ._util import promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "logaddexp",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "erf",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Exp(Op):
    """Exponential.

    forward:  y = exp(x)
    gradient: dL/dx = g * y
    saves:    y (the output: cheaper than recomputing exp(x))
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.exp, x)  # overflows to inf beyond ~88.7 (float32) / ~709 (float64)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Exp2(Op):
    """Base-2 exponential.

    forward:  y = 2 ** x
    gradient: dL/dx = g * y * ln 2
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.exp2, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * _LN2


class Expm1(Op):
    """exp(x) - 1, accurate for small x.

    forward:  y = exp(x) - 1
    gradient: dL/dx = g * (y + 1)
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.expm1, x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (y + 1)


class Log(Op):
    """Natural logarithm.

    forward:  y = log(x)
    gradient: dL/dx = g / x
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.log, x)  # -inf at 0, nan below

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log2(Op):
    """Base-2 logarithm.

    forward:  y = log2(x)
    gradient: dL/dx = g / (x * ln 2)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.log2, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(Op):
    """Base-10 logarithm.

    forward:  y = log10(x)
    gradient: dL/dx = g / (x * ln 10)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.log10, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


class Log1p(Op):
    """log(1 + x), accurate for small x.

    forward:  y = log(1 + x)
    gradient: dL/dx = g / (1 + x)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.log1p, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1)


class Logaddexp(Op):
    """log(exp(a) + exp(b)) without overflow.

    forward:  y = max(a, b) + log1p(exp(-|a - b|))   (NumPy's logaddexp: finite at 1e4)
    gradient: dL/da = g * sigmoid(a - b),   dL/db = g * sigmoid(b - a)
    saves:    a, b

    # NOTE: the textbook gradient exp(a) / (exp(a) + exp(b)) overflows for large inputs;
    # the sigmoid form is the same quantity and stays finite (0, 1/2 or 1 at +-1e4).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return quietly(np.logaddexp, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g * D.sigmoid(a - b) if need_a else None
        gb = g * D.sigmoid(b - a) if need_b else None
        return ga, gb


class Sqrt(Op):
    """Square root.

    forward:  y = sqrt(x)
    gradient: dL/dx = g / (2 * y)   (inf at x == 0, as in PyTorch)
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.sqrt, x)  # nan below 0
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Rsqrt(Op):
    """Reciprocal square root.

    forward:  y = 1 / sqrt(x)
    gradient: dL/dx = -g * y**3 / 2
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        with quiet():  # inf at 0, nan below
            y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -0.5 * g * y * y * y


class Square(Op):
    """Square.

    forward:  y = x * x
    gradient: dL/dx = 2 * g * x
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.square, x)  # overflows to inf beyond ~1.8e19 (float32)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


class Reciprocal(Op):
    """Reciprocal.

    forward:  y = 1 / x
    gradient: dL/dx = -g * y**2
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.reciprocal, x)  # inf at 0
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return -g * y * y


_erf = np.frompyfunc(math.erf, 1, 1)


class Erf(Op):
    """Gauss error function.

    forward:  y = erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t**2) dt
    gradient: dL/dx = g * 2/sqrt(pi) * exp(-x**2)
    saves:    x

    NumPy has no erf, so the forward pass calls the C library's (``math.erf``) per element:
    exact, but about 150 ns an element.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_erf(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _TWO_OVER_SQRT_PI * D.exp(-(x * x))


# ---------------------------------------------------------------- public functions
def exp(input):
    return Exp.apply(float_input(input, "exp"))


def exp2(input):
    return Exp2.apply(float_input(input, "exp2"))


def expm1(input):
    return Expm1.apply(float_input(input, "expm1"))


def log(input):
    return Log.apply(float_input(input, "log"))


def log2(input):
    return Log2.apply(float_input(input, "log2"))


def log10(input):
    return Log10.apply(float_input(input, "log10"))


def log1p(input):
    return Log1p.apply(float_input(input, "log1p"))


def logaddexp(input, other):
    """``log(exp(input) + exp(other))``, finite for inputs of any magnitude; both Tensors
    of a floating dtype after promotion (PyTorch has no integer kernel)."""
    require_tensor(input, "logaddexp")
    require_tensor(other, "logaddexp", "other")
    a, b = promote(input, other, "logaddexp")
    if a._data.dtype.kind != "f":
        raise not_implemented("logaddexp", a)
    return apply_broadcasting(Logaddexp, "logaddexp", a, b)


def sqrt(input):
    return Sqrt.apply(float_input(input, "sqrt"))


def rsqrt(input):
    return Rsqrt.apply(float_input(input, "rsqrt"))


def square(input):
    """``input * input``; integer tensors stay integers and bool becomes int64."""
    require_tensor(input, "square")
    if input._data.dtype.kind == "b":
        input = input.to(np.int64)
    return Square.apply(input)


def reciprocal(input):
    return Reciprocal.apply(float_input(input, "reciprocal"))


def erf(input):
    return Erf.apply(float_input(input, "erf"))
