"""Activation functions: the tutorial's sigmoid and relu, and tanh."""

from __future__ import annotations

import numpy as np

from . import _dual as D
from ._op import Op
from ._pointwise import float_input, require_tensor

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "sigmoid",
    "tanh",
    "relu",
]


class Sigmoid(Op):
    """Logistic sigmoid.

    forward:  y = 1 / (1 + exp(-x))
    gradient: dL/dx = g * y * (1 - y)
    saves:    y

    NOTE: computed by ``stable_sigmoid``, so it is finite (0 or 1, no warning) at +-1e4.
    """

    @staticmethod
    def forward(ctx, x):
        y = stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) on an array, without overflow.

    NOTE: computed as exp(-|x|) / (1 + exp(-|x|)), mirrored for x >= 0, so exp never
    overflows and very negative inputs keep their tiny, exact-as-possible values.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class Tanh(Op):
    """Hyperbolic tangent.

    forward:  y = tanh(x)
    gradient: dL/dx = g * (1 - y**2)
    saves:    y
    """

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Relu(Op):
    """Rectified linear unit.

    forward:  y = max(x, 0)   (NaN stays NaN)
    gradient: dL/dx = 0 where y <= 0, else g   (0 at x == 0, g at NaN, as in PyTorch)
    saves:    y (its sign is all backward needs)
    """

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return D.where(y <= 0, 0.0, g)  # one comparison and one select, no bool inversion


def sigmoid(input):
    return Sigmoid.apply(float_input(input, "sigmoid"))


def tanh(input):
    return Tanh.apply(float_input(input, "tanh"))


def relu(input):
    """max(input, 0); integer tensors stay integers (bool is refused, as in PyTorch)."""
    require_tensor(input, "relu")
    if input._data.dtype.kind == "b":
        raise RuntimeError("relu(): bool tensors are not supported")
    return Relu.apply(input)
