"""Pooling, padding and resampling primitives: window sums, gathers by flat index, padding.

Each op here is linear in its first input and comes with its adjoint, so every gradient is
another op of this file and can be differentiated again:

- ``WindowSum`` (sum over each pooling window) and ``WindowSpread`` (add a value to every
  position of its window): avg_pool.
- ``PlaneGather`` (pick values of each plane at flat indices) and ``PlaneScatterAdd`` (add
  values back at those indices; repeated indices add up): max_pool (the indices are the
  argmax of each window).
- ``AxisGather`` / ``AxisScatterAdd``: the same along one axis with one index vector for
  all: nearest and (bi)linear interpolation, reflect/replicate/circular padding.
- ``ConstantPad`` (pad with a constant or crop): its adjoint is itself with negated pads.

Window loops run over kernel offsets (kh * kw slices), never over pixels or batch items.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dual as D
from ._op import Op
from .conv import Window, crop_canvas, pad_canvas

__all__: list[str] = []  # the public functions live in chainrule.nn.functional


class WindowSum(Op):
    """Sum of each window (zero padding), over the last two dims.

    forward:  y[..., r, s] = sum_{i, j} xpad[..., r*sh + i*dh, s*sw + j*dw]
    gradient: dL/dx = WindowSpread(g)
    saves:    nothing (linear)
    """

    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, win):
        ctx.win = win
        canvas = pad_canvas(x, win, 0)
        total = None
        for _, _, rows, cols in win.offsets():
            part = canvas[..., rows, cols]
            if total is None:
                total = part.copy()
            else:
                total += part
        return total

    @staticmethod
    def backward(ctx, g):
        return D.run(WindowSpread, g, ctx.win), None


class WindowSpread(Op):
    """Add each value to every position of its window (the adjoint of WindowSum).

    forward:  y[..., h, w] = sum of g[..., r, s] over the windows (r, s) that cover (h, w)
    gradient: dL/dg = WindowSum(gg)
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, g, win):
        ctx.win = win
        canvas = np.zeros(g.shape[:-2] + win.canvas, dtype=g.dtype)
        for _, _, rows, cols in win.offsets():
            canvas[..., rows, cols] += g
        return crop_canvas(canvas, win)

    @staticmethod
    def backward(ctx, gg):
        return D.run(WindowSum, gg, ctx.win), None


def _planes(shape: tuple, k: int) -> tuple[int, int]:
    """(number of planes, plane size) when the last ``k`` dims form a plane."""
    return math.prod(shape[: len(shape) - k]), math.prod(shape[len(shape) - k :])


class PlaneGather(Op):
    """Pick values from each plane (the last ``k`` dims, flattened) at flat indices.

    forward:  y[p, l] = x[p, idx[p, l]]   (idx of shape (P, L), or (1, L) shared by all
              planes; y takes the shape lead + ``out_shape``)
    gradient: dL/dx = PlaneScatterAdd(g): g added back at idx (a position picked several
              times receives the sum)
    saves:    nothing (linear in x; idx is a constant)
    """

    @staticmethod
    def forward(ctx, x, idx, k, out_shape):
        ctx.idx, ctx.k, ctx.x_shape = idx, k, x.shape
        p, s = _planes(x.shape, k)
        planes = x.reshape(p, s)
        if idx.shape[0] == p:
            y = np.take_along_axis(planes, idx, axis=1)
        else:
            y = planes[:, idx[0]]
        return y.reshape(x.shape[: x.ndim - k] + tuple(out_shape))

    @staticmethod
    def backward(ctx, g):
        return D.run(PlaneScatterAdd, g, ctx.idx, ctx.k, ctx.x_shape), None, None, None


class PlaneScatterAdd(Op):
    """Add values into zero planes at flat indices (the adjoint of PlaneGather).

    forward:  y = zeros(x_shape);  y[p, idx[p, l]] += g[p, l]   (np.bincount: repeated
              indices add up, without np.add.at)
    gradient: dL/dg = PlaneGather(gg)
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, g, idx, k, x_shape):
        lead = len(x_shape) - k
        ctx.idx, ctx.k, ctx.out_shape = idx, k, g.shape[lead:]
        p, s = _planes(x_shape, k)
        flat = (np.arange(p, dtype=np.int64)[:, None] * s + idx).ravel()
        # NOTE: bincount sums in float64 and we round once at the end: at least as accurate
        # as adding in the gradient's own precision.
        weights = g.reshape(p, idx.shape[1]).ravel()
        out = np.bincount(flat, weights=weights, minlength=p * s)
        return out.astype(g.dtype, copy=False).reshape(x_shape)

    @staticmethod
    def backward(ctx, gg):
        return D.run(PlaneGather, gg, ctx.idx, ctx.k, ctx.out_shape), None, None, None


class MaxPoolGather(PlaneGather):
    """max_pool: PlaneGather at the argmax of each window (the gradient goes to the argmax)."""

    node_name = "MaxPool2DWithIndicesBackward0"


class AxisGather(Op):
    """Pick positions ``idx`` along one axis (one index vector for every other position).

    forward:  y = take(x, idx, axis)
    gradient: dL/dx = AxisScatterAdd(g): g added back at idx along the axis
    saves:    nothing (linear in x)
    """

    @staticmethod
    def forward(ctx, x, idx, axis):
        ctx.idx, ctx.axis, ctx.n = idx, axis, x.shape[axis]
        return np.take(x, idx, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return D.run(AxisScatterAdd, g, ctx.idx, ctx.axis, ctx.n), None, None


class AxisScatterAdd(Op):
    """Add slices along one axis into zeros at positions ``idx`` (adjoint of AxisGather).

    forward:  y = zeros (size n along axis);  y[..., idx[t], ...] += g[..., t, ...]
    gradient: dL/dg = AxisGather(gg)
    saves:    nothing
    """

    @staticmethod
    def forward(ctx, g, idx, axis, n):
        ctx.idx, ctx.axis = idx, axis
        return axis_scatter_add(g, idx, axis, n)

    @staticmethod
    def backward(ctx, gg):
        return D.run(AxisGather, gg, ctx.idx, ctx.axis), None, None, None


def axis_scatter_add(g: np.ndarray, idx: np.ndarray, axis: int, n: int) -> np.ndarray:
    """zeros with ``n`` along ``axis``, plus g's slice t added at position idx[t].

    The positions t that share a target form runs once idx is sorted; pass k adds the k-th
    element of every run (one vectorised take per pass, as many passes as the longest run:
    2 or 3 for interpolation, never one per pixel).
    """
    shape = list(g.shape)
    shape[axis] = n
    if idx.size == 0:
        return np.zeros(shape, dtype=g.dtype)
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    if np.any(order != np.arange(idx.size)):
        g = np.take(g, order, axis=axis)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    counts = np.diff(np.r_[starts, s.size])
    acc = np.take(g, starts, axis=axis)
    mask_shape = [1] * g.ndim
    mask_shape[axis] = starts.size
    zero = g.dtype.type(0)
    for k in range(1, int(counts.max())):
        longer = (counts > k).reshape(mask_shape)
        acc += np.where(longer, np.take(g, np.minimum(starts + k, s.size - 1), axis=axis), zero)
    targets = s[starts]
    if targets.size == n:  # every position receives something: acc is already in order
        return acc
    out = np.zeros(shape, dtype=g.dtype)
    out[(slice(None),) * (axis % g.ndim) + (targets,)] = acc
    return out


class NearestGather(AxisGather):
    """Nearest-neighbour interpolation along one axis: AxisGather at the source pixels."""

    node_name = "UpsampleNearestBackward0"


class PadGather(AxisGather):
    """reflect / replicate / circular padding of one dim: AxisGather at the source pixels."""

    node_name = "PadBackward0"


class ConstantPad(Op):
    """Pad with a constant value; a negative pad crops.

    forward:  y = full(n + lo + hi per dim, value);  y[max(lo, 0) ...] = x[max(-lo, 0) ...]
    gradient: dL/dx = ConstantPad(g, -pads, 0): the part of g where x landed (the adjoint
              of padding is cropping, and of cropping is zero padding)
    saves:    nothing
    """

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        out = np.full(
            tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads)), value, dtype=x.dtype
        )
        src, dst = [], []
        for n, (lo, hi) in zip(x.shape, pads):
            start, stop = max(-lo, 0), n - max(-hi, 0)
            src.append(slice(start, stop))
            dst.append(slice(max(lo, 0), max(lo, 0) + stop - start))
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        back = tuple((-lo, -hi) for lo, hi in ctx.pads)
        return D.run(ConstantPad, g, back, 0), None, None


def max_pool_indices(x: np.ndarray, win: Window) -> np.ndarray:
    """The argmax of every window, as flat indices into the (H, W) plane.

    PyTorch's rule: scan each window row by row starting from its first in-bounds position
    with max = -inf; a value replaces the max when it is greater, or when it is NaN. So the
    first maximum wins a tie, the last NaN wins over numbers, and padding never wins.
    """
    floating = x.dtype.kind == "f"
    fill = -np.inf if floating else np.iinfo(x.dtype).min
    canvas = pad_canvas(x, win, fill)
    w, (kh, kw) = win.size[1], win.kernel
    (dh, dw), (sh, sw), (oh, ow) = win.dilation, win.stride, win.blocks
    pt, pl = win.pad[0], win.pad[2]
    out_shape = x.shape[:-2] + (oh, ow)
    best = np.full(out_shape, fill, dtype=x.dtype)
    # arg: the kernel offset k = i * kw + j of the max so far, in the smallest int type
    small = np.int16 if kh * kw < 2**15 else np.int64
    # first in-bounds kernel row/column of each window: ceil((pad - start) / dilation)
    first_i = np.maximum(0, -((np.arange(oh) * sh - pt) // dh))
    first_j = np.maximum(0, -((np.arange(ow) * sw - pl) // dw))
    arg = np.array(np.broadcast_to(first_i[:, None] * kw + first_j[None, :], out_shape), small)
    nan_aware = floating and bool(np.isnan(x).any())
    for k, (_, _, rows, cols) in enumerate(win.offsets()):
        part = canvas[..., rows, cols]
        better = part > best
        if nan_aware:
            better |= np.isnan(part)
        np.maximum(best, part, out=best)  # NaN-propagating; only the comparisons use it
        arg += better * (small(k) - arg)  # arg = k where better (branch-free: fast)
    # flat index = window start (row, col) + the offset's displacement
    start = (np.arange(oh) * sh - pt)[:, None] * w + (np.arange(ow) * sw - pl)[None, :]
    i, j = np.divmod(np.arange(kh * kw), kw)
    return start + np.take(i * dh * w + j * dw, arg)


# ---------------------------------------------------------------- resampling coordinates
def _scale(n_in: int, n_out: int, scale, ft):
    """PyTorch's compute_scales_value: 1/scale_factor when one is given, else in/out, in the
    precision ``ft`` of the input's math type (float32 for float32 inputs)."""
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


def _half_pixel(s, dst: np.ndarray, ft) -> np.ndarray:
    """max(s * (dst + 0.5) - 0.5, 0): the source coordinate of each output pixel's centre.

    NOTE: PyTorch's compiled kernel evaluates this with a fused multiply-add (one rounding);
    for float32 we get the same bits by computing in float64 (exact here) and rounding once.
    """
    if ft is np.float32:
        src = (np.float64(s) * (dst.astype(np.float64) + 0.5) - 0.5).astype(np.float32)
    else:
        src = s * (dst + ft(0.5)) - ft(0.5)
    return np.maximum(src, ft(0))


def nearest_source(n_in: int, n_out: int, scale, exact: bool, dtype) -> np.ndarray:
    """For each output position, the input position that 'nearest' copies.

    nearest:       src = min(floor(dst * s), n_in - 1)
    nearest-exact: src = min(floor(max((dst + 0.5) * s - 0.5, 0) + 0.5), n_in - 1)
    s = 1 / scale_factor when one was given (and not recomputed), else n_in / n_out.
    NOTE: PyTorch's CPU kernel computes src in the input's precision and then floors it with
    ``floorf``, i.e. after rounding to float32; the same steps here give the same indices
    (a plain float64 floor differs at a few sizes, e.g. 26 -> 46).
    """
    ft = np.dtype(dtype).type
    dst = np.arange(n_out).astype(ft)
    s = _scale(n_in, n_out, scale, ft)
    if exact:
        src = _half_pixel(s, dst, ft).astype(np.float64) + 0.5
    else:
        src = s * dst
    src = np.floor(src.astype(np.float32))
    return np.minimum(src.astype(np.int64), n_in - 1)


def linear_source(n_in: int, n_out: int, align_corners: bool, scale, dtype) -> tuple:
    """(i0, i1, w0, w1): output position t interpolates w0[t] * x[i0[t]] + w1[t] * x[i1[t]].

    src = dst * (n_in - 1) / (n_out - 1)                  with align_corners
    src = max((dst + 0.5) * s - 0.5, 0)                   without (s: see ``_scale``)
    i0 = floor(src), i1 = i0 + 1 (clamped), w1 = src - i0, w0 = 1 - w1; computed in the
    input's precision, as PyTorch does on the CPU.
    """
    ft = np.dtype(dtype).type
    dst = np.arange(n_out)
    if n_out == n_in:
        return dst, dst, np.ones(n_out, ft), np.zeros(n_out, ft)
    if align_corners:
        s = ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
        src = s * dst.astype(ft)
    else:
        src = _half_pixel(_scale(n_in, n_out, scale, ft), dst.astype(ft), ft)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(ft), ft(0), ft(1))
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, ft(1) - w1, w1


def adaptive_matrix(n_in: int, n_out: int, dtype) -> np.ndarray:
    """(n_out, n_in) averaging matrix of adaptive pooling: window t covers
    [floor(t * n_in / n_out), ceil((t + 1) * n_in / n_out))."""
    t = np.arange(n_out)
    start = (t * n_in) // n_out
    end = -((-(t + 1) * n_in) // n_out)
    pos = np.arange(n_in)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)
