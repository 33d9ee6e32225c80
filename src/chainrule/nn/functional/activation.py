"""nn.functional: activations (PyTorch's names, arguments and defaults).

The elementwise activations are fused ops (``ops/nn_activation.py``); softmax and its
relatives are the library's stable ``softmax``/``log_softmax``; prelu and threshold are
composites of ``where``. ``inplace=True`` writes the result into ``input`` (recorded like
any in-place op, so a leaf that requires grad is refused, as in PyTorch).
"""

from __future__ import annotations

import warnings

from ...ops import inplace as _inplace
from ...ops import nn_activation as A
from ...ops._pointwise import not_implemented, require_tensor
from ...ops.activation import relu as _relu
from ...ops.activation import sigmoid, tanh
from ...ops.minmax import where
from ...ops.softmax import log_softmax as _log_softmax
from ...ops.softmax import softmax as _softmax
from ...tensor import Tensor

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softplus",
    "softmax",
    "log_softmax",
    "softmin",
    "logsigmoid",
    "hardtanh",
    "hardtanh_",
    "hardsigmoid",
    "hardswish",
    "mish",
    "prelu",
    "threshold",
    "threshold_",
]

# SELU's constants (Klambauer et al., 2017), as PyTorch spells them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floating(input, op: str) -> Tensor:
    """The input of an activation that has no integer kernel in PyTorch."""
    require_tensor(input, op)
    if input._data.dtype.kind != "f":
        raise not_implemented(op, input)
    return input


def _run(input: Tensor, inplace: bool, op: str, fn) -> Tensor:
    """``fn(input)``, or, with ``inplace``, the same result written into ``input``."""
    if inplace:
        return _inplace.apply_inplace(input, f"{op}_", fn)
    return fn(input)


# ---------------------------------------------------------------- rectifiers
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0); the gradient at 0 is 0."""
    return _run(input, inplace, "relu", _relu)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6): hardtanh between 0 and 6 (gradient 0 at both bounds)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where positive, else negative_slope * input (the slope at 0)."""
    _floating(input, "leaky_relu")
    return _run(input, inplace, "leaky_relu", lambda x: A.LeakyRelu.apply(x, negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def _elu(input, alpha, scale, input_scale, inplace, op):
    _floating(input, op)
    return _run(input, inplace, op, lambda x: A.Elu.apply(x, alpha, scale, input_scale))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, else alpha * (exp(input) - 1)."""
    return _elu(input, alpha, 1.0, 1.0, inplace, "elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(input, alpha) with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, "selu")


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """input where positive, else alpha * (exp(input / alpha) - 1)."""
    if alpha == 0:
        raise RuntimeError("celu(): alpha must not be 0 (it divides the input)")
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace, "celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """input * Phi(input) (Phi: the standard normal CDF), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"gelu(): approximate argument must be either none or tanh, got {approximate!r}"
        )
    _floating(input, "gelu")
    return (A.Gelu if approximate == "none" else A.GeluTanh).apply(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """input * sigmoid(input)."""
    _floating(input, "silu")
    return _run(input, inplace, "silu", A.Silu.apply)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * tanh(softplus(input))."""
    _floating(input, "mish")
    return _run(input, inplace, "mish", A.Mish.apply)


# ---------------------------------------------------------------- smooth and log
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * input)) / beta, and input itself where beta * input > threshold."""
    _floating(input, "softplus")
    return A.Softplus.apply(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(input)), exact for any finite input."""
    _floating(input, "logsigmoid")
    return A.LogSigmoid.apply(input)


# ---------------------------------------------------------------- piecewise linear
def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp into [min_val, max_val]; the gradient is 0 on the bounds and outside."""
    require_tensor(input, "hardtanh")
    kind = input._data.dtype.kind
    if kind == "b":
        raise not_implemented("hardtanh", input)
    if kind in "iu":  # PyTorch casts the bounds to the integer dtype
        min_val, max_val = int(min_val), int(max_val)
    return _run(input, inplace, "hardtanh", lambda x: A.Hardtanh.apply(x, min_val, max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input + 3, 0), 6) / 6."""
    _floating(input, "hardsigmoid")
    return _run(input, inplace, "hardsigmoid", A.Hardsigmoid.apply)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * hardsigmoid(input)."""
    _floating(input, "hardswish")
    return _run(input, inplace, "hardswish", A.Hardswish.apply)


def _threshold(input: Tensor, th: float, value: float, inplace: bool) -> Tensor:
    require_tensor(input, "threshold")
    return _run(input, inplace, "threshold", lambda x: where(x <= th, value, x))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """input where input > threshold, else value (NaN stays NaN)."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """input where positive, else weight * input; ``weight`` holds one slope, or one per
    channel (dimension 1 of the input)."""
    require_tensor(input, "prelu")
    require_tensor(weight, "prelu", "weight")
    if weight.dim() > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}"
        )
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {input.dtype} input and {weight.dtype} "
            "weight"
        )
    n = weight.numel()
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError(
                f"prelu: Not allow zero-dim input tensor with {n} weights (weight shape "
                f"{list(weight.shape)})."
            )
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(
                "prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels} (input shape {list(input.shape)})."
            )
        w = weight.reshape((n,) + (1,) * (input.dim() - 2))
    else:
        w = weight.reshape(())
    return where(input > 0, input, w * input)


# ---------------------------------------------------------------- softmax family
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(input) / sum(exp(input)) along ``dim``, computed stably."""
    require_tensor(input, "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed stably in one step."""
    require_tensor(input, "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input) along ``dim``."""
    require_tensor(input, "softmin")
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return _softmax(-input, dim, dtype=dtype)
