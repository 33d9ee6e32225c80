"""``chainrule.nn.init``: fill a weight in place with a chosen distribution.

Every function works under ``no_grad`` (so it may fill a Parameter that requires grad),
changes the tensor in place and returns it, as PyTorch's do. The formulas for the scale are
PyTorch's, so a layer initialised here has the same distribution as its PyTorch twin:

- ``xavier_uniform_``:  U(-a, a),  a = gain * sqrt(6 / (fan_in + fan_out))
- ``kaiming_uniform_``: U(-b, b),  b = gain * sqrt(3 / fan)   (fan = fan_in by default)
- ``kaiming_normal_``:  N(0, std), std = gain / sqrt(fan)
"""

from __future__ import annotations

import math

import numpy as np

from .._random import _gen, normal_array, uniform_array
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]

_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh),
    sqrt(2) (relu), sqrt(2 / (1 + slope**2)) (leaky_relu), 3/4 (selu)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        tensor._data[...] = values
        tensor._bump_version()
    return tensor


def _fans(tensor: Tensor) -> tuple[int, int]:
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _float(tensor: Tensor, fn: str) -> np.dtype:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{fn}: expected a Tensor, got {type(tensor).__name__}")
    npd = tensor._data.dtype
    if npd.kind != "f":
        raise TypeError(f"init.{fn}: expected a floating-point tensor, got {tensor.dtype}")
    return npd


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b)."""
    npd = _float(tensor, "uniform_")
    return _fill(tensor, uniform_array(_gen(generator), tensor.shape, npd, a, b))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std**2)."""
    npd = _float(tensor, "normal_")
    return _fill(tensor, normal_array(_gen(generator), tensor.shape, npd, mean, std))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator=None,
) -> Tensor:
    """Fill with N(mean, std**2) conditioned on a <= x <= b (redrawing values outside)."""
    npd = _float(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: a ({a}) must be smaller than b ({b})")
    gen = _gen(generator)
    values = gen.standard_normal(tensor.shape) * std + mean
    bad = (values < a) | (values > b)
    # NOTE: rejection sampling; PyTorch uses the inverse CDF, which gives the same
    # distribution. Give up with an error when the interval holds almost no mass.
    for _ in range(1000):
        if not bad.any():
            break
        values[bad] = gen.standard_normal(int(bad.sum())) * std + mean
        bad = (values < a) | (values > b)
    else:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds too little probability")
    return _fill(tensor, values.astype(npd))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the number ``val``."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    npd = _float(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, uniform_array(_gen(generator), tensor.shape, npd, -bound, bound))


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    npd = _float(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, normal_array(_gen(generator), tensor.shape, npd, 0.0, std))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    npd = _float(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        return tensor  # PyTorch warns and leaves an empty tensor alone
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return _fill(tensor, uniform_array(_gen(generator), tensor.shape, npd, -bound, bound))


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    npd = _float(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _fill(tensor, normal_array(_gen(generator), tensor.shape, npd, 0.0, std))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: the Q of a QR decomposition of a Gaussian
    matrix, with signs fixed so the distribution is uniform (Haar) over orthogonal matrices."""
    npd = _float(tensor, "orthogonal_")
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # makes the decomposition unique, hence Haar-distributed
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape).astype(npd))
