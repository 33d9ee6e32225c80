"""Elementwise arithmetic and maths: y_i = f(a_i, b_i), broadcasting like NumPy/PyTorch."""

from __future__ import annotations

import numbers

import numpy as np

from .._dtype import default_float_np
from ..tensor import Tensor, _wrap, tensor
from . import _dual as D
from ._op import Op
from ._util import broadcast_error, float_operands, promote

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sign",
    "round",
    "where",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
]


def _binary(cls, a, b, op: str):
    a, b = promote(a, b, op)
    try:
        return cls.apply(a, b)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise broadcast_error(
            op, [np.shape(x._data if isinstance(x, Tensor) else x) for x in (a, b)]
        ) from None


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
        return a / b

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
        return x**p

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return D.zeros_like(g), None
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
        y = a**b
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


class Exp(Op):
    """Exponential.

    forward:  y = exp(x)
    gradient: dL/dx = g * y
    saves:    y (the output: cheaper than recomputing exp(x))
    """

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Log(Op):
    """Natural logarithm.

    forward:  y = log(x)
    gradient: dL/dx = g / x
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Op):
    """Square root.

    forward:  y = sqrt(x)
    gradient: dL/dx = g / (2 * y)
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (2 * y)


class Abs(Op):
    """Absolute value.

    forward:  y = |x|
    gradient: dL/dx = g * sign(x)   (0 at x == 0, as in PyTorch)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * D.sign(x)


class Sign(Op):
    """Sign: -1, 0 or 1.

    forward:  y = sign(x)
    gradient: dL/dx = 0   (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return D.zeros_like(g)


class Round(Op):
    """Round half to even, to ``decimals`` places (NumPy's and PyTorch's rule).

    forward:  y = round(x)
    gradient: dL/dx = 0   (piecewise constant)
    """

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return D.zeros_like(g), None


class Where(Op):
    """Select elementwise: ``a`` where ``cond`` holds, else ``b``.

    forward:  y = cond ? a : b
    gradient: dL/da = g where cond else 0,   dL/db = 0 where cond else g
    saves:    cond
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
def add(input, other, *, alpha=1):
    """``input + alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(Add, input, other, "add")


def sub(input, other, *, alpha=1):
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(Sub, input, other, "sub")


def mul(input, other):
    return _binary(Mul, input, other, "mul")


def div(input, other):
    """True division; integer inputs give a floating result, as in PyTorch."""
    a, b = promote(input, other, "div")
    a, b = float_operands(a, b)
    if isinstance(b, numbers.Integral) and not isinstance(b, bool):
        b = float(b)
    return _binary(Div, a, b, "div")


def neg(input):
    return Neg.apply(input)


def pow(input, exponent):
    """``input ** exponent``; either may be a Python number."""
    if isinstance(exponent, Tensor):
        if not isinstance(input, Tensor):  # 2 ** x: the base becomes a constant 0-d tensor
            kind = exponent._data.dtype.kind
            npd = exponent._data.dtype if kind == "f" or not isinstance(input, float) else None
            input = tensor(input, dtype=npd)
        a, b = promote(input, exponent, "pow")
        return _binary(Pow, a, b, "pow")
    if isinstance(exponent, np.generic):
        exponent = exponent.item()
    if not isinstance(exponent, numbers.Real):
        raise TypeError(
            f"pow(): exponent must be a Tensor or a number, got {type(exponent).__name__}"
        )
    x, exponent = promote(input, exponent, "pow")
    if x._data.dtype.kind in "iu" and exponent < 0:
        raise RuntimeError("pow(): integers to negative integer powers are not allowed")
    return PowScalar.apply(x, exponent)


def exp(input):
    return Exp.apply(input)


def log(input):
    return Log.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def abs(input):  # noqa: A001 - torch name
    return Abs.apply(input)


def sign(input):
    return Sign.apply(input)


def round(input, *, decimals: int = 0):  # noqa: A001
    return Round.apply(input, decimals)


def where(condition, input, other):
    """``input`` where ``condition`` is True, else ``other`` (broadcasting all three)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where(): condition must be a bool tensor, got {cond.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        out = np.where(cond, input, other)
        if out.dtype.kind == "f":
            out = out.astype(default_float_np())
        return _wrap(out)
    a, b = promote(input, other, "where")
    return Where.apply(cond, a, b)


def _compare(ufunc, a, b, op: str):
    """Comparisons: bool results that never require grad (no graph node)."""
    if not isinstance(b, (Tensor, numbers.Number, np.ndarray, np.generic, list, tuple)):
        return NotImplemented
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    try:
        return _wrap(np.asarray(ufunc(x, y)))
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise broadcast_error(op, [np.shape(x), np.shape(y)]) from None


def eq(input, other):
    return _compare(np.equal, input, other, "eq")


def ne(input, other):
    return _compare(np.not_equal, input, other, "ne")


def lt(input, other):
    return _compare(np.less, input, other, "lt")


def le(input, other):
    return _compare(np.less_equal, input, other, "le")


def gt(input, other):
    return _compare(np.greater, input, other, "gt")


def ge(input, other):
    return _compare(np.greater_equal, input, other, "ge")


def _logical(ufunc, a, b, op: str):
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind == "f":
            raise TypeError(f"{op}: only integer and bool tensors are supported, got {x.dtype}")
    return _compare(ufunc, a, b, op)


def bitwise_and(input, other):
    return _logical(np.bitwise_and, input, other, "bitwise_and")


def bitwise_or(input, other):
    return _logical(np.bitwise_or, input, other, "bitwise_or")


def bitwise_xor(input, other):
    return _logical(np.bitwise_xor, input, other, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise TypeError(
            f"bitwise_not: only integer and bool tensors are supported, got {input.dtype}"
        )
    return _wrap(np.asarray(np.invert(input._data)))
