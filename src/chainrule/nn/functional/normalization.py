"""nn.functional: batch, layer and group normalisation, and ``normalize``.

All three normalisations are composites of library ops, shaped so that each pass over the
input does one thing: centre, square, scale. The per-channel factor ``invstd * weight`` is
formed on the small statistics tensor first, so the full-size tensor is multiplied once:

    y = (x - mean) * (weight / sqrt(var + eps)) + bias

Their gradients (including gradients of gradients) follow from the ops. The variance used
for normalising is the biased one (divide by n), as in PyTorch; BatchNorm's running
variance is updated with the unbiased one (divide by n - 1).
"""

from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...ops._pointwise import require_tensor
from ...ops.minmax import clamp
from ...tensor import Size, Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "normalize"]


def _normalise(x: Tensor, dims: tuple, eps: float):
    """(x - mean) and 1 / sqrt(var + eps) over ``dims`` (kept), plus the biased variance."""
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred, (var + eps).rsqrt(), mean, var


def _affine(centred: Tensor, invstd: Tensor, weight, bias, shape) -> Tensor:
    scale = invstd if weight is None else invstd * weight.reshape(shape)
    y = centred * scale
    return y if bias is None else y + bias.reshape(shape)


# ---------------------------------------------------------------- batch norm
def _check_channels(name: str, t, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(
            f"batch_norm(): {name} should contain {channels} elements not {t.numel()}"
        )


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) over the batch and any spatial dimensions.

    Training: the batch's own mean and biased variance; ``running_mean``/``running_var``
    (when given) move towards the batch's mean and unbiased variance by ``momentum``, in
    place. Evaluation: the running statistics are used instead.
    """
    require_tensor(input, "batch_norm")
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise IndexError(
            f"batch_norm(): the input needs a channel dimension (dimension 1), got shape "
            f"{list(shape)}: Dimension out of range"
        )
    if training:
        if shape[0] * math.prod(shape[2:]) == 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{Size(shape)!r}"
            )
    channels = shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_channels(name, t, channels)
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"batch_norm(): mixed dtype: {name} is {t.dtype} but input is {input.dtype}; "
                "all inputs must share the same dtype"
            )
    view = (1, channels) + (1,) * (len(shape) - 2)
    if input.numel() == 0:  # an empty batch: nothing to normalise, no statistics to update
        return input.clone()
    if training:
        dims = (0,) + tuple(range(2, len(shape)))
        centred, invstd, mean, var = _normalise(input, dims, eps)
        if running_mean is not None or running_var is not None:
            n = input.numel() // channels
            _update_running(running_mean, mean, momentum, 1.0)
            _update_running(running_var, var, momentum, n / (n - 1))
        return _affine(centred, invstd, weight, bias, view)
    if running_mean is None:
        raise RuntimeError("batch_norm(): running_mean must be defined in evaluation mode")
    if running_var is None:
        raise RuntimeError("batch_norm(): running_var must be defined in evaluation mode")
    centred = input - running_mean.reshape(view)
    invstd = (running_var.reshape(view) + eps).rsqrt()
    return _affine(centred, invstd, weight, bias, view)


def _update_running(buffer: Tensor | None, stat: Tensor, momentum: float, correction: float):
    """buffer <- (1 - momentum) * buffer + momentum * correction * stat, in place."""
    if buffer is None:
        return
    with no_grad():
        batch = stat._data.reshape(buffer._data.shape)
        if correction != 1.0:
            batch = batch * correction
        new = buffer._data * (1.0 - momentum) + batch * momentum
        buffer._data[...] = new.astype(buffer._data.dtype, copy=False)
        buffer._bump_version()


# ---------------------------------------------------------------- layer and group norm
def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions of each sample."""
    require_tensor(input, "layer_norm")
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0:
        raise RuntimeError(
            "layer_norm(): Expected normalized_shape to be at least 1-dimensional, i.e., "
            "containing at least one element, but got normalized_shape = []"
        )
    if input.dim() < k or tuple(input.shape[input.dim() - k :]) != ns:
        raise RuntimeError(
            f"layer_norm(): Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(
                f"layer_norm(): Expected {name} to be of same shape as normalized_shape, but "
                f"got {name} of shape {list(t.shape)} and normalized_shape = {list(ns)}"
            )
    dims = tuple(range(input.dim() - k, input.dim()))
    centred, invstd, _, _ = _normalise(input, dims, eps)
    y = centred * invstd
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial
    positions), then scale and shift per channel."""
    require_tensor(input, "group_norm")
    if input.dim() < 2:
        raise RuntimeError(
            "group_norm(): Expected at least 2 dimensions for input tensor but received "
            f"{input.dim()}"
        )
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError(
            "group_norm(): Expected number of channels in input to be divisible by "
            f"num_groups, but got input of shape {list(shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"group_norm(): Expected {name} to be a vector of size equal to the number "
                f"of channels in input, but got {name} of shape {list(t.shape)} and input of "
                f"shape {list(shape)}"
            )
    grouped = input.reshape(n, num_groups, (c // num_groups) * math.prod(shape[2:]))
    centred, invstd, _, _ = _normalise(grouped, (2,), eps)
    y = (centred * invstd).reshape(shape)
    view = (1, c) + (1,) * (len(shape) - 2)
    if weight is not None:
        y = y * weight.reshape(view)
    return y if bias is None else y + bias.reshape(view)


# ---------------------------------------------------------------- normalize
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """input / max(||input||_p, eps) along ``dim`` (unit vectors; zero vectors stay 0)."""
    require_tensor(input, "normalize")
    if out is not None:
        raise NotImplementedError("normalize(): out= is not supported by chainrule")
    norm = vector_norm(input, p, dim, keepdim=True)
    return input / clamp(norm, min=eps)
