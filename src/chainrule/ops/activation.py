"""Activation functions: the tutorial's sigmoid and relu, and tanh."""

from __future__ import annotations

import numpy as np

from ..autograd._apply_fast import apply_unary
from . import _dual as D
from ._consts import ONE, ZERO
from ._op import Op
from ._pointwise import float_input, require_tensor
from ._quiet import _IGNORE, _reset_errstate, _set_errstate

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

    NOTE: computed as 1 / (1 + exp(-x)), which is also how PyTorch computes it: exp(-x)
    overflows to inf below x ~ -88 (float32) and the result is 0 there, as PyTorch's is.
    Four ufunc calls, in place after the first, with NumPy's overflow warning off.
    """

    @staticmethod
    def forward(ctx, x):
        y = stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * (ONE[y.dtype] - y)  # 1 - y (see _consts for ONE)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) on an array, with no overflow warning (a fresh array, or a NumPy
    scalar for a 0-d input). float16 is computed in float32 and rounded once, as PyTorch
    does (exp overflows float16 already at 11.1)."""
    if x.dtype == np.float16:
        return stable_sigmoid(x.astype(np.float32)).astype(np.float16)
    token = _set_errstate(_IGNORE)
    try:
        y = np.negative(x)
        if type(y) is not np.ndarray:  # a 0-d input: NumPy scalars have no out=
            return 1 / (1 + np.exp(y))
        np.exp(y, out=y)
        y += ONE[y.dtype]
        return np.reciprocal(y, out=y)
    finally:
        _reset_errstate(token)


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
        return g * (ONE[y.dtype] - y * y)  # 1 - y**2


class Relu(Op):
    """Rectified linear unit.

    forward:  y = max(x, 0)   (NaN stays NaN)
    gradient: dL/dx = 0 where y <= 0, else g   (0 at x == 0, g at NaN, as in PyTorch)
    saves:    y (its sign is all backward needs)
    """

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, ZERO[x.dtype])  # max(x, 0) (see _consts for ZERO)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if type(g) is np.ndarray and g.size >= _MASK_FROM:
            # NOTE: np.where mispredicts a branch per element on a random sign pattern: on a
            # (512, 2048) batch it takes ~7 ms where g * (y > 0) takes ~1 ms. The product
            # differs from the select only where y is NaN (g must pass) or where an inf or
            # NaN in g meets y == 0 (0 must come out, not NaN). One dot product detects
            # both (half the time of two sums): any NaN or inf in y or in the product makes
            # sum(y * out) NaN or inf, whichever elements meet. Then the select runs
            # instead (also, harmlessly, when the dot overflows or g has an inf where y > 0).
            out = g * (y > ZERO[y.dtype])
            if np.isfinite(np.dot(y.ravel(order="K"), out.ravel(order="K"))):
                return out
        if type(g) is np.ndarray:  # D.where's NumPy branch, without its Tensor checks
            zero = ZERO[y.dtype]
            return np.where(y <= zero, zero, g)
        return D.where(y <= 0, 0.0, g)  # a recorded backward (create_graph): differentiable


# From this many elements Relu's backward multiplies by a mask instead of selecting (below
# it, the select is as fast and the two checking sums would cost more than they save).
_MASK_FROM = 1024


def sigmoid(input):
    return apply_unary(Sigmoid, float_input(input, "sigmoid"))


def tanh(input):
    return apply_unary(Tanh, float_input(input, "tanh"))


def relu(input):
    """max(input, 0); integer tensors stay integers (bool is refused, as in PyTorch)."""
    require_tensor(input, "relu")
    if input._data.dtype.kind == "b":
        raise RuntimeError("relu(): bool tensors are not supported")
    return apply_unary(Relu, input)
