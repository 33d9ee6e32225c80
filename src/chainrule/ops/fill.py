"""Ops that write values instead of computing them from their input: fill, copy, random
samples. In-place methods (``x.fill_(v)``, ``y.copy_(src)``, ``h.normal_()``) record them when
the tensor being overwritten is part of a graph; the old values get a zero gradient.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _dual as D
from ._op import Op
from ._util import broadcast_error, result_dtype

__all__: list[str] = []  # no public functions: used by the in-place methods and _random


class Fill(Op):
    """Overwrite every element with one value (``x.fill_(v)``).

    forward:  y = v everywhere (x's shape and dtype)
    gradient: dL/dx = 0 (the old values are gone),  dL/dv = sum(g) when v is a 0-d tensor
    saves:    nothing
    """

    node_name = "FillBackward0"

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x.shape, value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        need_x, need_v = ctx.needs_input_grad
        return (
            D.zeros_like(g) if need_x else None,
            D.sum_dims(g, None, False) if need_v else None,
        )


class Zero(Fill):
    """``x.zero_()``: Fill with 0 (same gradient: zero for the old values)."""

    node_name = "ZeroBackward0"


class Overwrite(Op):
    """Replace x's values with ones drawn elsewhere (random fills: ``x.normal_()``).

    forward:  y = values (drawn by the caller, x's shape and dtype)
    gradient: dL/dx = 0
    """

    node_name = "NormalBackward0"

    @staticmethod
    def forward(ctx, x, values):
        return values

    @staticmethod
    def backward(ctx, g):
        return D.zeros_like(g), None


class UniformOverwrite(Overwrite):
    node_name = "UniformBackward0"


class ExponentialOverwrite(Overwrite):
    node_name = "ExponentialBackward0"


class Copy(Op):
    """``x.copy_(src)``: x takes src's values, broadcast to x's shape and cast to its dtype.

    forward:  y = broadcast(src) (as x's dtype)
    gradient: dL/dx = 0,   dL/dsrc = g (summed over broadcast dims and cast to src's dtype
              by the engine)
    saves:    nothing
    """

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad
        return (D.zeros_like(g) if need_x else None), (g if need_src else None)


class NormalSample(Op):
    """A normal sample with tensor parameters: ``normal(mean, std)``.

    forward:  y = mean + std * z,  z ~ N(0, 1) drawn by the caller
    gradient: dL/dmean = 0,  dL/dstd = 0 (PyTorch does not differentiate through samples;
              use ``mean + std * randn_like(std)`` for the reparameterised gradient)
    """

    node_name = "NormalBackward3"

    @staticmethod
    def forward(ctx, mean, std, z):
        return np.asarray(mean + std * z, dtype=z.dtype)  # z carries the result dtype

    @staticmethod
    def backward(ctx, g):
        need_mean, need_std, _ = ctx.needs_input_grad
        return (
            (D.zeros_like(g) if need_mean else None),
            (D.zeros_like(g) if need_std else None),
            None,
        )


def normal_tensor(mean, std, gen: np.random.Generator) -> Tensor:
    """``normal(mean, std)`` where at least one of them is a tensor."""
    from .._random import normal_array

    arrays = [x._data for x in (mean, std) if isinstance(x, Tensor)]
    for a in arrays:
        if a.dtype.kind != "f":
            raise NotImplementedError(
                f'normal: "normal_kernel_cpu" not implemented for {a.dtype} (use a float dtype)'
            )
    npd = arrays[0].dtype if len(arrays) == 1 else result_dtype(*arrays)
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shapes = [np.shape(x._data if isinstance(x, Tensor) else x) for x in (mean, std)]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error("normal", shapes) from None
    z = normal_array(gen, shape, npd)
    return NormalSample.apply(mean, std, z)
