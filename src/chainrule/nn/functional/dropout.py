"""nn.functional: dropout, and its channel-wise forms dropout1d/2d/3d.

In training, each element (or, for the channel-wise forms, each whole channel) is kept with
probability 1 - p and scaled by 1 / (1 - p), so the expected output equals the input; the
gradient is the same mask times the same scale. The mask comes from chainrule's generator:
``chainrule.manual_seed`` makes it reproducible (the numbers differ from PyTorch's, whose
generator is another algorithm). In evaluation, or with p = 0, the input is returned as it
is; with p = 1 the output is all zeros.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..._random import _gen
from ...ops import inplace as _inplace
from ...ops._pointwise import require_tensor
from ...tensor import Tensor, _wrap

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input: Tensor, p: float, mask_shape: tuple, inplace: bool, op: str) -> Tensor:
    """input * mask / (1 - p), the mask of ``mask_shape`` broadcasting over ``input``."""
    data = input._data
    dtype = data.dtype if data.dtype.kind == "f" else np.dtype(np.float32)
    if p == 1.0:
        scaled = np.zeros(mask_shape, dtype)
    else:
        draw = np.float32 if dtype == np.float32 else np.float64
        keep = _gen(None).random(mask_shape, dtype=draw) >= p
        scaled = keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))
    mask = _wrap(scaled)
    if inplace:
        return _inplace.apply_inplace(input, f"{op}_", lambda x: x * mask)
    return input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p)."""
    require_tensor(input, "dropout")
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    return _masked(input, p, tuple(input.shape), inplace, "dropout")


def _feature_dropout(input, p, training, inplace, op: str, batched: bool):
    """Channel-wise dropout: each channel is zeroed as a whole.

    Batched inputs are (N, C, *): the mask has shape (N, C, 1, ...). Unbatched inputs are
    (C, *): the mask has shape (C, 1, ...).
    """
    ndim = input.dim()
    if ndim < (2 if batched else 1):
        raise RuntimeError(
            f"{op}(): Feature dropout requires at least 2 dimensions in the input, got shape "
            f"{list(input.shape)}"
        )
    if not training or p == 0.0 or input.numel() == 0:
        return input
    lead = 2 if batched else 1
    mask_shape = tuple(input.shape[:lead]) + (1,) * (ndim - lead)
    return _masked(input, p, mask_shape, inplace, op)


def _spatial_warning(op: str, ndim: int, expected: tuple) -> None:
    warnings.warn(
        f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will result in an "
        "error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {op} exists to provide channel-wise dropout on "
        f"inputs with {expected[0] - 1} spatial dimensions, a channel dimension, and an "
        f"optional batch dimension (i.e. {expected[0]}D or {expected[1]}D inputs).",
        stacklevel=3,
    )


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``."""
    require_tensor(input, "dropout1d")
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout(input, p, training, inplace, "dropout1d", input.dim() == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p``.

    As in PyTorch, a 3-D input is read as (N, C, L) (with a warning), and other shapes
    as (N, C, *) (with a deprecation warning).
    """
    require_tensor(input, "dropout2d")
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        _spatial_warning("dropout2d", ndim, (3, 4))
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace, "dropout2d", True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``."""
    require_tensor(input, "dropout3d")
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        _spatial_warning("dropout3d", ndim, (4, 5))
    return _feature_dropout(input, p, training, inplace, "dropout3d", ndim == 5)
