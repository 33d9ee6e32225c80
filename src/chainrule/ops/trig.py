"""Trigonometric and hyperbolic functions (tanh lives with the activations), elementwise on
floating tensors; integer and bool inputs are promoted to the default float dtype."""

from __future__ import annotations

import numpy as np

from . import _dual as D
from ._op import Op
from ._pointwise import float_binary, float_input, require_tensor
from ._quiet import quietly

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "arcsin",
    "arccos",
    "arctan",
    "arctan2",
]


class Sin(Op):
    """Sine.

    forward:  y = sin(x)
    gradient: dL/dx = g * cos(x)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.sin, x)  # nan at +-inf

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * D.cos(x)


class Cos(Op):
    """Cosine.

    forward:  y = cos(x)
    gradient: dL/dx = -g * sin(x)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.cos, x)  # nan at +-inf

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * D.sin(x)


class Tan(Op):
    """Tangent.

    forward:  y = tan(x)
    gradient: dL/dx = g * (1 + y**2)
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = quietly(np.tan, x)  # nan at +-inf
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


class Asin(Op):
    """Inverse sine (NaN outside [-1, 1]).

    forward:  y = asin(x)
    gradient: dL/dx = g / sqrt(1 - x**2)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.arcsin, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / D.sqrt(1 - x * x)


class Acos(Op):
    """Inverse cosine (NaN outside [-1, 1]).

    forward:  y = acos(x)
    gradient: dL/dx = -g / sqrt(1 - x**2)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.arccos, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g / D.sqrt(1 - x * x)


class Atan(Op):
    """Inverse tangent.

    forward:  y = atan(x)
    gradient: dL/dx = g / (1 + x**2)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x * x)


class Atan2(Op):
    """Angle of the point (b, a): the four-quadrant inverse tangent of a / b.

    forward:  y = atan2(a, b)
    gradient: dL/da = g * b / (a**2 + b**2),   dL/db = -g * a / (a**2 + b**2)
              (both 0 at the origin, as in PyTorch)
    saves:    a, b
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        r2 = a * a + b * b
        origin = r2 == 0
        inv_r2 = D.where(origin, 0.0, 1 / D.where(origin, 1.0, r2))
        return (g * b * inv_r2 if need_a else None), (-g * a * inv_r2 if need_b else None)


class Sinh(Op):
    """Hyperbolic sine.

    forward:  y = sinh(x)
    gradient: dL/dx = g * cosh(x)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.sinh, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * D.cosh(x)


class Cosh(Op):
    """Hyperbolic cosine.

    forward:  y = cosh(x)
    gradient: dL/dx = g * sinh(x)
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return quietly(np.cosh, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * D.sinh(x)


# ---------------------------------------------------------------- public functions
def sin(input):
    return Sin.apply(float_input(input, "sin"))


def cos(input):
    return Cos.apply(float_input(input, "cos"))


def tan(input):
    return Tan.apply(float_input(input, "tan"))


def asin(input):
    return Asin.apply(float_input(input, "asin"))


def acos(input):
    return Acos.apply(float_input(input, "acos"))


def atan(input):
    return Atan.apply(float_input(input, "atan"))


def atan2(input, other):
    """The angle of the point (other, input) in radians, in [-pi, pi]."""
    require_tensor(input, "atan2")
    require_tensor(other, "atan2", "other")
    return float_binary(Atan2, input, other, "atan2")


def sinh(input):
    return Sinh.apply(float_input(input, "sinh"))


def cosh(input):
    return Cosh.apply(float_input(input, "cosh"))


# NumPy-style aliases that PyTorch also provides
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
