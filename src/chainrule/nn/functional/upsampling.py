"""nn.functional: resizing (``interpolate``, ``upsample``) by nearest and (bi)linear rules."""

from __future__ import annotations

import math

import numpy as np

from ...ops.pool import (
    AxisGather,
    NearestGather,
    linear_source,
    nearest_source,
)
from ...tensor import _wrap
from .conv import require_tensor
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample"]


_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode, dim):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = list(input.shape[2:])
    if size is not None:
        if isinstance(size, (tuple, list)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    "size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(s, (int, np.integer)) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                )
            out, scales = [int(s) for s in size], None
        else:
            out, scales = [int(size)] * dim, None
    elif scale_factor is not None:
        if isinstance(scale_factor, (tuple, list)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                    f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and scale_factor in (s1, s2, ...,sK) format."
                )
            if not all(isinstance(s, (int, float)) for s in scale_factor):
                raise TypeError(f"interpolate(): scale_factor must be floats, got {scale_factor}")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = None
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out = [math.floor(float(n * s)) for n, s in zip(spatial, scales)]
        scales = None
    if out is None:
        out = [int(n * s) for n, s in zip(spatial, scales)]  # C++'s truncating cast
    if any(n <= 0 for n in spatial) or any(o <= 0 for o in out):
        names = ("D", "H", "W")[3 - dim :]
        shown = lambda v: ", ".join(f"{a}: {b}" for a, b in zip(names, v))  # noqa: E731
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({shown(spatial)}) "
            f"output ({shown(out)})"
        )
    return out, scales or [None] * dim


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resample (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Modes: 'nearest' (src = floor(dst * in/out), or dst / scale_factor when a scale factor is
    given and not recomputed), 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D, with or
    without ``align_corners``), 'area' (adaptive average pooling).
    """
    require_tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    out, scales = _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode, dim)
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by chainrule")
    if mode in _LINEAR and _LINEAR[mode] != dim:
        raise NotImplementedError(
            f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input"
        )
    known = ("nearest", "nearest-exact", "area", "linear", "bilinear")
    if mode not in known or not (dim in (1, 2) or (mode == "nearest" and dim == 3)):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            "the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode}); chainrule implements nearest (3-D to 5-D), "
            "nearest-exact, area, linear and bilinear"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"upsample_{mode}" not implemented for {input.dtype}')
    spatial = tuple(input.shape[2:])
    if mode == "area":
        pool = adaptive_avg_pool1d if dim == 1 else adaptive_avg_pool2d
        return pool(input, tuple(out))
    if mode in ("nearest", "nearest-exact"):
        y = input
        for axis in range(-1, -dim - 1, -1):
            src = nearest_source(
                spatial[axis], out[axis], scales[axis], mode == "nearest-exact", input._data.dtype
            )
            y = NearestGather.apply(y, src, axis)
        return y
    # (bi)linear, separably: the last axis first, then the one before (PyTorch's order of
    # operations: y = h0 * (w0 x00 + w1 x01) + h1 * (w0 x10 + w1 x11)).
    y = input
    dtype = input._data.dtype
    for axis in range(-1, -dim - 1, -1):
        i0, i1, w0, w1 = linear_source(spatial[axis], out[axis], align_corners, scales[axis], dtype)
        shape = (-1,) + (1,) * (-axis - 1)
        w0, w1 = _wrap(w0.reshape(shape)), _wrap(w1.reshape(shape))
        y = w0 * AxisGather.apply(y, i0, axis) + w1 * AxisGather.apply(y, i1, axis)
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (kept for PyTorch compatibility)."""
    return interpolate(input, size, scale_factor, mode, align_corners)
