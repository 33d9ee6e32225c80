"""Convolution primitives: im2col (``Unfold``) and col2im (``Fold``).

A convolution is a matrix product once every window of the input is laid out as a column:
``Unfold`` copies each (kh, kw) window of every channel into a column (im2col), one matrix
product with the weight does all the multiply-adds, and a reshape gives the output. Both
maps are linear, and each is the other's adjoint (transpose)::

    <Unfold(x), c> = <x, Fold(c)>     for every x and c

so the gradient of one is the other applied to the incoming gradient, and the gradient of
that gradient is the first one again: second derivatives come for free.

``Window`` describes where the window slides (kernel, dilation, stride, zero padding, number
of positions); pooling (``ops/pool.py``) reuses it. Unfold reads the windows through one
strided view (``as_strided``: no copy until the final reshape); Fold adds the columns back
with one slice assignment per kernel offset (kh * kw of them), never a loop over pixels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _dual as D
from ._op import Op

__all__: list[str] = []  # the public functions live in chainrule.nn.functional


class Window(NamedTuple):
    """Where a 2-D window slides over the last two dims of an array.

    ``size`` is the unpadded (H, W); ``pad`` the zeros (or fill values) added at the
    (top, bottom, left, right); ``blocks`` the number of window positions (oh, ow). Position
    (r, c), kernel offset (i, j) reads padded row ``r * stride[0] + i * dilation[0]`` and
    column ``c * stride[1] + j * dilation[1]``.
    """

    size: tuple
    kernel: tuple
    dilation: tuple
    stride: tuple
    pad: tuple
    blocks: tuple

    @property
    def canvas(self) -> tuple:
        """The padded (H, W)."""
        (h, w), (pt, pb, pl, pr) = self.size, self.pad
        return (h + pt + pb, w + pl + pr)

    def offsets(self):
        """Per kernel offset, in row-major order: (i, j, rows, cols), the slices of the
        padded plane that this offset reads at every window position."""
        (kh, kw), (dh, dw), (sh, sw), (oh, ow) = (
            self.kernel,
            self.dilation,
            self.stride,
            self.blocks,
        )
        for i in range(kh):
            rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
            for j in range(kw):
                yield i, j, rows, slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)


def make_window(size, kernel, dilation, stride, pad_lo, pad_hi, blocks=None) -> Window:
    """A Window; ``blocks`` defaults to every position that fits in the padded plane.

    The bottom/right padding grows when the positions reach past it (pooling's ceil_mode,
    conv_transpose's output_padding), so every offset's slice lies inside the canvas.
    """
    size, kernel, dilation, stride = (
        tuple(int(v) for v in t) for t in (size, kernel, dilation, stride)
    )
    if blocks is None:
        blocks = tuple(
            (n + lo + hi - d * (k - 1) - 1) // s + 1
            for n, lo, hi, k, d, s in zip(size, pad_lo, pad_hi, kernel, dilation, stride)
        )
    hi = tuple(
        max(h, (b - 1) * s + d * (k - 1) + 1 - n - lo)
        for n, lo, h, k, d, s, b in zip(size, pad_lo, pad_hi, kernel, dilation, stride, blocks)
    )
    pad = (int(pad_lo[0]), int(hi[0]), int(pad_lo[1]), int(hi[1]))
    return Window(size, kernel, dilation, stride, pad, tuple(int(b) for b in blocks))


def pad_canvas(x: np.ndarray, win: Window, fill) -> np.ndarray:
    """``x`` placed in a canvas of ``fill`` values with the window's padding (``x`` itself
    when there is none)."""
    if not any(win.pad):
        return x
    (h, w), (pt, _, pl, _) = win.size, win.pad
    canvas = np.full(x.shape[:-2] + win.canvas, fill, dtype=x.dtype)
    canvas[..., pt : pt + h, pl : pl + w] = x
    return canvas


def crop_canvas(canvas: np.ndarray, win: Window) -> np.ndarray:
    """The unpadded part of a canvas (undoes ``pad_canvas``)."""
    (h, w), (pt, _, pl, _) = win.size, win.pad
    return canvas[..., pt : pt + h, pl : pl + w]


def im2col(x: np.ndarray, win: Window, gemm: bool) -> np.ndarray:
    """Every window of ``x`` (N, C, H, W) as a column.

    ``gemm=False`` (PyTorch's ``unfold`` layout): (N, C*kh*kw, L); ``gemm=True``: one matrix
    (C*kh*kw, N*L), so that a convolution is a single matrix product (L = oh*ow; rows are
    ordered (channel, kernel row, kernel column), as in a flattened weight).
    """
    n, c = x.shape[:2]
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = win.kernel, win.dilation, win.stride, win.blocks
    canvas = pad_canvas(x, win, 0)
    s0, s1, s2, s3 = canvas.strides
    windows = as_strided(
        canvas,
        shape=(n, c, kh, kw, oh, ow),
        strides=(s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw),
        writeable=False,
    )
    if gemm:
        cols = windows.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * oh * ow)
    else:
        cols = windows.reshape(n, c * kh * kw, oh * ow)
    # The reshape copies except in trivial geometries (1x1 kernel, stride 1), where it
    # would return a view of the input; the result must own its memory.
    return cols.copy() if np.may_share_memory(cols, canvas) else cols


def col2im(cols: np.ndarray, win: Window, gemm: bool) -> np.ndarray:
    """Sum columns back into an (N, C, H, W) array (the adjoint of ``im2col``): each
    window's values are added at the positions it was read from."""
    (kh, kw), (oh, ow) = win.kernel, win.blocks
    if gemm:
        c, n = cols.shape[0] // (kh * kw), cols.shape[1] // (oh * ow)
        blocks = cols.reshape(c, kh, kw, n, oh, ow)
        canvas = np.zeros((c, n) + win.canvas, dtype=cols.dtype)
        for i, j, rows, columns in win.offsets():
            canvas[..., rows, columns] += blocks[:, i, j]
        return crop_canvas(canvas, win).transpose(1, 0, 2, 3)
    n, c = cols.shape[0], cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    canvas = np.zeros((n, c) + win.canvas, dtype=cols.dtype)
    for i, j, rows, columns in win.offsets():
        canvas[..., rows, columns] += blocks[:, :, i, j]
    return crop_canvas(canvas, win)


class Unfold(Op):
    """im2col: every sliding window of x as a column (a linear map).

    forward:  cols[(c, i, j), (n, r, s)] = xpad[n, c, r*sh + i*dh, s*sw + j*dw]
              (layout (N, C*kh*kw, L), or (C*kh*kw, N*L) when ``gemm``)
    gradient: dL/dx = Fold(g): each column's gradient added back where it was read
    saves:    nothing (the map is linear)
    """

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, win, gemm):
        ctx.win, ctx.gemm = win, gemm
        return im2col(x, win, gemm)

    @staticmethod
    def backward(ctx, g):
        return D.run(Fold, g, ctx.win, ctx.gemm), None, None


class Fold(Op):
    """col2im: columns summed back into an image (the adjoint of Unfold; linear).

    forward:  y[n, c, h, w] = sum of cols[(c, i, j), (n, r, s)] over the windows (r, s) and
              offsets (i, j) that read position (h, w); padding positions are dropped
    gradient: dL/dcols = Unfold(g)
    saves:    nothing
    """

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, win, gemm):
        ctx.win, ctx.gemm = win, gemm
        return col2im(cols, win, gemm)

    @staticmethod
    def backward(ctx, g):
        return D.run(Unfold, g, ctx.win, ctx.gemm), None, None
