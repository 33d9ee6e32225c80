"""nn.functional.pad: constant, reflect, replicate and circular padding.

``pad`` lists (left, right) amounts from the LAST dim backwards, as in PyTorch:
``pad(x, (1, 1, 2, 0))`` adds one column on each side of the last dim and two rows at the
top of the one before it.

- constant: ``ConstantPad`` (``ops/pool.py``); negative amounts crop.
- reflect / replicate / circular: each output position copies one input position, so each
  padded dim is one gather (``PadGather``) along it with an index vector; its gradient adds
  back (scatter-add) at the same indices.
"""

from __future__ import annotations

import numpy as np

from ...ops.pool import ConstantPad, PadGather
from ...tensor import Tensor
from .conv import require_tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")

_NON_CONSTANT_SIZES = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _source_index(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    """For each output position of a padded dim of size ``n``, the input position it copies."""
    if mode == "circular":
        # Negative amounts crop first; the wrap then runs over the cropped range.
        start, stop = max(-lo, 0), n - max(-hi, 0)
        m = stop - start
        return start + np.arange(-max(lo, 0), m + max(hi, 0)) % m
    j = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    j = np.abs(j)  # reflect about 0 ...
    return (n - 1) - np.abs((n - 1) - j)  # ... and about n - 1


def _check_non_constant(input: Tensor, pads: list, mode: str, value) -> None:
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pads)
    if k not in (1, 2, 3) or input.dim() not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {2 * k} is not supported for {input.dim()}D input tensor.\n"
            + _NON_CONSTANT_SIZES
        )
    shape = tuple(input.shape)
    if mode != "circular" and any(s == 0 for s in shape[1:]):
        raise RuntimeError(
            f"pad(): {mode} padding expects a tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(shape)}"
        )
    for d, (lo, hi) in zip(range(input.dim() - 1, -1, -1), pads):
        n = shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                "pad(): Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}"
            )
        if mode == "circular" and (lo > n or hi > n or n - max(-lo, 0) - max(-hi, 0) <= 0):
            raise RuntimeError(
                "pad(): Padding value causes wrapping around more than once "
                f"(padding ({lo}, {hi}) at dimension {d} of input {list(shape)})."
            )


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input``; ``pad`` = (left, right) for the last dim, then the one before, ...

    ``mode`` 'constant' fills with ``value`` (0 when None) and accepts negative amounts
    (cropping); 'reflect' mirrors without repeating the edge, 'replicate' repeats the edge,
    'circular' wraps around.
    """
    require_tensor(input, "pad")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if not isinstance(p, (int, np.integer)) or isinstance(p, bool):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of "
                f"type {type(p).__name__} at pos {i}"
            )
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.dim()}"
        )
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]
    shape = tuple(input.shape)
    ndim = len(shape)
    for d, (lo, hi) in zip(range(ndim - 1, -1, -1), pairs):
        if shape[d] + lo + hi < 0:
            raise RuntimeError(
                f"pad(): padding ({lo}, {hi}) at dimension {d} of input {list(shape)} would "
                "give a negative size"
            )
    if mode == "constant":
        per_dim = [(0, 0)] * (ndim - len(pairs)) + pairs[::-1]
        return ConstantPad.apply(input, tuple(per_dim), 0 if value is None else value)
    _check_non_constant(input, pairs, mode, value)
    y = input
    for d, (lo, hi) in zip(range(ndim - 1, -1, -1), pairs):
        y = PadGather.apply(y, _source_index(mode, shape[d], lo, hi), d)
    return y
