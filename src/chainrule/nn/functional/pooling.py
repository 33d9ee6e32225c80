"""nn.functional: pooling (max, average, adaptive average) and interpolation.

- max_pool: the argmax of every window (``ops/pool.max_pool_indices``, one pass per kernel
  offset), then a gather at those positions; the gradient goes to the argmax (scatter-add).
- avg_pool: ``WindowSum`` (one strided slice per kernel offset) divided by each window's
  count; its gradient spreads g / count over the window (``WindowSpread``).
- adaptive_avg_pool: a reshape and a mean when the sizes divide, else a product with an
  averaging matrix along each axis (windows of uneven sizes, as PyTorch defines them).
- interpolate: nearest (a gather at the source pixels, axis by axis) and (bi)linear (two
  gathers and a weighted sum per axis), with PyTorch's coordinate maths; 'area' is
  adaptive_avg_pool.
1-D versions run the 2-D code on a height-1 image.
"""

from __future__ import annotations

import math

import numpy as np

from ...ops.conv import make_window
from ...ops.pool import (
    MaxPoolGather,
    WindowSum,
    adaptive_matrix,
    max_pool_indices,
)
from ...tensor import Tensor, _wrap
from .conv import require_tensor

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
]


# ---------------------------------------------------------------- shared checks
def _pool_tuple(value, nd: int, name: str, op: str, default=None) -> tuple:
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0 and default):
        return default
    ok = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)  # noqa: E731
    if ok(value):
        return (int(value),) * nd
    if isinstance(value, (tuple, list)) and all(ok(v) for v in value):
        if len(value) == nd:
            return tuple(int(v) for v in value)
        if len(value) == 1:
            return (int(value[0]),) * nd
    what = "either be omitted, a single int" if name == "stride" else "either be a single int"
    raise RuntimeError(f"{op}: {name} must {what}, or a tuple of {nd} ints, got {value!r}")


def _pool_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Number of window positions (PyTorch's pooling_output_shape)."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _pool_window(x, kernel, stride, padding, dilation, ceil_mode, op):
    """Validate pooling arguments (PyTorch's checks) and make the Window on (H, W)."""
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but got {kernel}")
    if any(s == 0 for s in stride):
        raise RuntimeError(f"{op}: stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{op}: stride should be greater than zero, but got {stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got {dilation}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: pad must be non-negative, but got pad: {padding}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    size = tuple(x.shape[-2:])
    blocks = tuple(
        _pool_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation)
    )
    if any(b < 1 for b in blocks):
        lead = "x".join(str(v) for v in x.shape[-3:-2])
        raise RuntimeError(
            f"{op}: Given input size: ({lead}x{size[0]}x{size[1]}). Calculated output size: "
            f"({lead}x{blocks[0]}x{blocks[1]}). Output size is too small"
        )
    return make_window(size, kernel, dilation, stride, padding, padding, blocks)


def _as_2d(x: Tensor, nd: int) -> Tensor:
    return x.unsqueeze(-2) if nd == 1 else x


# ---------------------------------------------------------------- max pooling
def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, nd: int, op: str):
    require_tensor(input, op)
    if input.dim() not in (nd + 1, nd + 2) or 0 in input.shape[-nd - 1 :]:
        raise RuntimeError(
            f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim "
            f"batch size and non-empty other dims for input, but got: {list(input.shape)}"
        )
    kernel = _pool_tuple(kernel_size, nd, "kernel_size", op)
    stride = _pool_tuple(stride, nd, "stride", op, default=kernel)
    padding = _pool_tuple(padding, nd, "padding", op)
    dilation = _pool_tuple(dilation, nd, "dilation", op)
    if nd == 1:  # a height-1 image
        kernel, stride, padding = (1,) + kernel, (1,) + stride, (0,) + padding
        dilation = (1,) + dilation
    x = _as_2d(input, nd)
    win = _pool_window(x, kernel, stride, padding, dilation, ceil_mode, op)
    idx = max_pool_indices(x._data, win)
    planes = math.prod(idx.shape[:-2])
    flat = idx.reshape(planes, win.blocks[0] * win.blocks[1])
    y = MaxPoolGather.apply(x, flat, 2, win.blocks)
    if nd == 1:
        return y.squeeze(-2), _wrap(idx.reshape(idx.shape[:-2] + idx.shape[-1:]))
    return y, _wrap(idx)


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """max_pool2d returning (values, indices); indices are flat positions in each (H, W)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """Max over each (kh, kw) window of (N, C, H, W) or (C, H, W); padding counts as -inf.
    Ties go to the first maximum in the window; the gradient flows to that element."""
    out = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")
    return out if return_indices else out[0]


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """Max over each window of (N, C, L) or (C, L)."""
    out = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")
    return out if return_indices else out[0]


# ---------------------------------------------------------------- average pooling
def _axis_divisor(n, k, s, p, blocks, count_include_pad) -> np.ndarray:
    start = np.arange(blocks) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor, nd, op):
    require_tensor(input, op)
    if input.dim() not in (nd + 1, nd + 2) or 0 in input.shape[-nd - 1 :]:
        raise RuntimeError(
            f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim "
            f"batch size and non-empty other dims for input, but got: {list(input.shape)}"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}: only floating-point inputs are supported, got {input.dtype}"
        )
    if divisor is not None and divisor == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    kernel = _pool_tuple(kernel_size, nd, "kernel_size", op)
    stride = _pool_tuple(stride, nd, "stride", op, default=kernel)
    padding = _pool_tuple(padding, nd, "padding", op)
    if nd == 1:
        kernel, stride, padding = (1,) + kernel, (1,) + stride, (0,) + padding
    x = _as_2d(input, nd)
    win = _pool_window(x, kernel, stride, padding, (1, 1), ceil_mode, op)
    sums = WindowSum.apply(x, win)
    if divisor is not None:
        y = sums / divisor
    else:
        rows, cols = (
            _axis_divisor(n, k, s, p, b, count_include_pad)
            for n, k, s, p, b in zip(win.size, kernel, stride, padding, win.blocks)
        )
        # a window that lies wholly in the padding sums to 0: any nonzero count will do
        count = np.maximum(rows[:, None] * cols[None, :], 1).astype(x._data.dtype)
        y = sums / _wrap(count)
    return y.squeeze(-2) if nd == 1 else y


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Mean over each (kh, kw) window of (N, C, H, W) or (C, H, W).

    The divisor is the window size including padding (``count_include_pad``), or only the
    input positions it covers, or ``divisor_override``.
    """
    return _avg_pool(
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        2,
        "avg_pool2d",
    )


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of (N, C, L) or (C, L)."""
    return _avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d"
    )


# ---------------------------------------------------------------- adaptive average pooling
def _adaptive_sizes(output_size, spatial: tuple, op: str) -> tuple:
    nd = len(spatial)
    if output_size is None or isinstance(output_size, (int, np.integer)):
        output_size = (output_size,) * nd
    if not isinstance(output_size, (tuple, list)) or len(output_size) != nd:
        raise RuntimeError(f"{op}: output_size must be {nd}, got {output_size!r}")
    sizes = tuple(n if o is None else int(o) for o, n in zip(output_size, spatial))
    if any(o < 0 for o in sizes):
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received "
            f"{list(sizes)}"
        )
    return sizes


def _adaptive(input, output_size, nd: int, op: str):
    require_tensor(input, op)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}"
        )
    for d in range(input.dim() - nd - 1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{op}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {d} being empty"
            )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}: only floating-point inputs are supported, got {input.dtype}"
        )
    spatial = tuple(input.shape[-nd:])
    sizes = _adaptive_sizes(output_size, spatial, op)
    if all(o > 0 and n % o == 0 for n, o in zip(spatial, sizes)):
        # Equal windows: a reshape to (..., o1, n1/o1, o2, n2/o2) and one mean.
        split = []
        for n, o in zip(spatial, sizes):
            split += [o, n // o]
        y = input.reshape(*input.shape[:-nd], *split)
        return y.mean(dim=tuple(range(-2 * nd + 1, 0, 2)))
    y = input
    dtype = input._data.dtype
    if nd == 2:
        y = _wrap(adaptive_matrix(spatial[0], sizes[0], dtype)) @ y
    return y @ _wrap(adaptive_matrix(spatial[-1], sizes[-1], dtype).T.copy())


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (oh, ow) (an int, or a pair with None = keep that size);
    window t of an axis covers [floor(t*n/o), ceil((t+1)*n/o))."""
    return _adaptive(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) to a fixed length."""
    return _adaptive(input, output_size, 1, "adaptive_avg_pool1d")


# ---------------------------------------------------------------- interpolation
