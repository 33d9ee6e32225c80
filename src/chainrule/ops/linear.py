"""The affine map of ``nn.Linear``: one op instead of transpose, matmul and add."""

from __future__ import annotations

import numpy as np

from . import _dual as D
from ._op import Op

__all__: list[str] = []  # used through chainrule.nn.functional.linear


class Linear(Op):
    """y = x @ W^T + b, PyTorch's ``addmm`` for ``nn.Linear``.

    forward:  y = x @ W^T + b         x: (*, in), W: (out, in), b: (out,) or None
    gradient: dL/dx = g @ W
              dL/dW = g^T @ x         (batch dims flattened: one matrix product)
              dL/db = g summed over the batch dims
    saves:    x (when W needs a gradient) and W (when x needs one)

    NOTE: fused for speed. A small model spends most of its time in per-op overhead, and
    this is three ops' worth (transpose, matmul, add) in one; for batched inputs the weight
    gradient is also one matrix product over the flattened batch instead of a batch of
    (in, out) products summed afterwards.

    NOTE: two matrices are multiplied with ``np.dot``, not ``np.matmul`` (``@``): for 2-D
    operands both call the same BLAS routine and give the same bits, but ``matmul`` is a
    generalised ufunc whose dispatch costs 0.3-0.5 us more per call, which is 5-30% of a
    small layer's product.
    """

    @staticmethod
    def forward(ctx, x, w, b):
        need_x, need_w, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if need_w else None, w if need_x else None)
        y = np.dot(x, w.T) if x.ndim == 2 else np.matmul(x, w.T)  # (see the NOTE above)
        if b is not None:
            y += b  # y is a fresh array: add in place, no second output buffer
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if type(g) is np.ndarray and g.ndim == 2:  # the common case, in plain NumPy
            return (
                (np.dot(g, w) if need_x else None),
                (np.dot(g.T, x) if need_w else None),
                (np.add.reduce(g, axis=0) if need_b else None),  # g.sum(0), minus a wrapper
            )
        gx = gw = gb = None
        if need_x:
            gx = g @ w
        if need_w or need_b:
            rows = 1
            for size in g.shape[:-1]:
                rows *= size
            g2 = D.reshape(g, (rows, g.shape[-1]))  # (rows, out)
            if need_w:
                gw = D.swap_last(g2) @ D.reshape(x, (rows, x.shape[-1]))
            if need_b:
                gb = D.sum_dims(g2, (0,), False)
        return gx, gw, gb
