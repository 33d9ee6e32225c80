"""What every loss shares: the ``reduction`` argument (and its deprecated spellings
``size_average``/``reduce``), applying it, and argument checks with PyTorch's messages."""

from __future__ import annotations

import warnings

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")

# PyTorch's scalar-type names, used in its dtype error messages.
_TORCH_NAMES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "uint8": "Byte",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "bool": "Bool",
}


def torch_name(x: Tensor) -> str:
    """The scalar-type name PyTorch prints for ``x``'s dtype (``Float``, ``Long``, ...)."""
    return _TORCH_NAMES.get(x._data.dtype.name, x._data.dtype.name)


def legacy_reduction(size_average, reduce, stacklevel: int = 3) -> str:
    """The ``reduction`` that the deprecated ``size_average``/``reduce`` flags stand for,
    with PyTorch's deprecation warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return ret


def get_reduction(reduction: str, size_average=None, reduce=None) -> str:
    """Resolve and validate ``reduction``: PyTorch's ValueError for an unknown value."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce, stacklevel=4)
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=3,
        )
        return "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """``loss`` itself, its mean or its sum (the mean of no elements is nan)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def require_tensors(op: str, **arguments) -> None:
    """A TypeError naming the first argument that is not a Tensor (None is allowed for
    optional arguments passed as ``name=None``; the caller lists only required ones)."""
    for name, value in arguments.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def require_float(x: Tensor, op: str, what: str = "input") -> None:
    """PyTorch's NotImplementedError for an integer or bool tensor where a kernel needs a
    floating one."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): not implemented for {what} of dtype {x.dtype} (expected a floating dtype)"
        )


def warn_if_broadcast(input: Tensor, target: Tensor, stacklevel: int = 3) -> None:
    """PyTorch's UserWarning for an elementwise loss whose target shape differs from the
    input's (it broadcasts, which is rarely what was meant)."""
    if input._data.shape != target._data.shape:
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=stacklevel,
        )


def refuse_weight_grad(weight: Tensor | None, op: str) -> None:
    """PyTorch's error for a ``weight`` that requires grad where its kernel has no gradient
    for it (nll_loss, binary_cross_entropy)."""
    if weight is not None and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"The function '{op}' is not differentiable with respect to argument 'weight'. "
            "This input cannot have requires_grad True."
        )


def check_broadcasts_to(x: Tensor, shape: tuple, op: str, arg: str) -> None:
    """A RuntimeError unless ``x`` broadcasts to ``shape`` without growing it."""
    try:
        out = np.broadcast_shapes(x._data.shape, shape)
    except ValueError:
        out = None
    if out != tuple(shape):
        raise RuntimeError(
            f"{op}(): {arg} of shape {list(x._data.shape)} does not broadcast to the input "
            f"shape {list(shape)}"
        )
