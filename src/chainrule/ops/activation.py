"""Activation functions: the tutorial's sigmoid and relu, and tanh."""

from __future__ import annotations

import numpy as np

from ._op import Op

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

    # NOTE: computed as exp(-|x|) / (1 + exp(-|x|)) mirrored for x >= 0, so exp never
    # overflows and very negative inputs keep their tiny, exact-as-possible values.
    """

    @staticmethod
    def forward(ctx, x):
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1.0, e) / (1.0 + e)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


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

    forward:  y = max(x, 0)
    gradient: dL/dx = g where y > 0, else 0   (0 at x == 0, as in PyTorch)
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
        return g * (y > 0)


def sigmoid(input):
    return Sigmoid.apply(input)


def tanh(input):
    return Tanh.apply(input)


def relu(input):
    return Relu.apply(input)
