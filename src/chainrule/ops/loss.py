"""Fused loss primitives: the few losses that no composite of public ops computes with
PyTorch's numbers (``nn/functional/_loss_*.py`` builds every loss; these are its parts).

- ``CrossEntropy``: log_softmax and nll_loss in one node, for the common case of class
  indices, no weights and nothing ignored (for speed; it says how it keeps their numbers).
- ``NllLoss``: pick each target's log-probability, weight it, reduce. Its gradient is
  written straight into the picked positions (no scatter-add), and the degenerate means
  (every target ignored, or every picked weight zero) give PyTorch's nan without 0/0
  warnings.
- ``BinaryCrossEntropy``: PyTorch clamps the logs at -100 in the forward pass but divides by
  ``max(x (1 - x), 1e-12)`` in the backward pass; no composite has both.
- ``Xlogy``: ``x * log(y)`` with ``0 * log(0) = 0`` (the KL-divergence convention).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _dual as D
from ._op import Op
from ._quiet import quiet
from .indexing import IndexPut
from .softmax import LogSoftmax

# Internal primitives only: the public losses live in ``chainrule.nn.functional``.
__all__: list[str] = []

# PyTorch's EPSILON in binary_cross_entropy_backward is the float32 constant 1e-12f (so about
# 9.99999996e-13 even in float64 arithmetic).
_BCE_EPS = float(np.float32(1e-12))
_LOG_FLOOR = -100.0  # PyTorch clamps log(x) and log(1 - x) from below at -100


class NllLoss(Op):
    """Negative log-likelihood of class targets.

    forward:  l_i = -w_i * x[key_i]   (w_i: the target's class weight, 0 where ignored)
              none: y = l;  sum: y = sum_i l_i;  mean: y = sum_i l_i / sum_i w_i
    gradient: dL/dx = zeros, with -w_i * g_i (sum, none) or -w_i * g / sum_i w_i (mean)
              written at key_i; exactly 0 at ignored targets
    saves:    the key and the per-target coefficients (constants)

    # NOTE: fused for speed and for PyTorch's degenerate means. ``key`` never picks a
    # position twice (one class per sample), so the gradient is one assignment instead of
    # gather's scatter-add; and a mean over zero total weight is 0 / 0 = nan here, inside
    # an errstate, where a composite would warn in its division's forward and backward.
    """

    @staticmethod
    def forward(ctx, x, key, weight, keep, reduction):
        ctx.key, ctx.shape, ctx.reduction = key, x.shape, reduction
        picked = x[key]
        with np.errstate(invalid="ignore", divide="ignore"):
            losses = np.where(keep, -weight * picked, 0).astype(x.dtype, copy=False)
            if reduction == "none":
                ctx.coef = np.where(keep, -weight, 0).astype(x.dtype, copy=False)
                return losses
            if reduction == "sum":
                ctx.coef = np.where(keep, -weight, 0).astype(x.dtype, copy=False)
                return np.asarray(losses.sum(), dtype=x.dtype)
            total = np.asarray(np.where(keep, weight, 0).sum(), dtype=x.dtype)
            ctx.coef = np.where(keep, -weight / total, 0).astype(x.dtype, copy=False)
            return np.asarray(losses.sum() / total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduction != "none":
            g = D.expand(g, ctx.coef.shape)
        scaled = g * ctx.coef
        return D.run(IndexPut, scaled, ctx.key, ctx.shape, False), None, None, None, None


class CrossEntropy(Op):
    """Cross-entropy of logits ``x`` (N, C) against class indices ``t`` (N), every target
    in range and none ignored (``nn.functional.cross_entropy`` checks that first).

    forward:  logp = log_softmax(x) along the classes,  l_n = -logp[n, t_n]
              none: y = l;  sum: y = sum_n l_n;  mean: y = sum_n l_n / N
    gradient: dL/dx = s_n * (onehot(t_n) - softmax(x)_n),  with s = -g / N (mean), -g
              (sum) or -g_n (none)
    saves:    x (for a recorded backward pass) and logp

    # NOTE: fused for speed: one node instead of log_softmax and nll_loss, and the gradient
    # is one exp and an in-place update at the targets, with the composite's numbers: its
    # nll backward puts s at the targets, and log_softmax's backward turns that into
    # s - exp(logp) * s there and -(exp(logp) * s) elsewhere, which is what this computes.
    # A recorded backward (create_graph) rebuilds the composite from x instead, so that
    # its result is differentiable again; only that pass reads x (``graph_only_saved``),
    # so an in-place change to the logits between the loss and backward() is accepted, as
    # in PyTorch (whose log_softmax saves only its output), and refused by a recorded pass.
    """

    graph_only_saved = (0,)

    @staticmethod
    def forward(ctx, x, t, reduction):
        with quiet():
            z = x - x.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        ctx.save_for_backward(x, logp)
        n = x.dtype.type(x.shape[0])
        ctx.key, ctx.reduction = (np.arange(x.shape[0]), t), reduction
        # the coefficient that NllLoss gives each target: -w_n / sum(w), or -w_n
        ctx.coef = -1 / n if reduction == "mean" else -n.dtype.type(1)
        picked = logp[ctx.key]
        if reduction == "none":
            return -picked
        # -(sum of picked) is the sum of the losses exactly: rounding is symmetric in sign
        return -picked.sum() if reduction == "sum" else -picked.sum() / n

    @staticmethod
    def backward(ctx, g):
        x, logp = ctx.saved_tensors
        if isinstance(g, Tensor):  # recorded: the composite, differentiable in x
            n, shape = x.shape[0], tuple(x.shape)
            if ctx.reduction != "none":
                g = D.expand(g, (n,))
            scaled = g * np.full(n, ctx.coef)
            g_logp = D.run(IndexPut, scaled, ctx.key, shape, False)
            logp = LogSoftmax.apply(x, (1,))
            return g_logp - D.exp(logp) * D.sum_dims(g_logp, (1,), True), None, None
        s = g * ctx.coef  # 0-d (mean, sum) or one per sample (none)
        gx = np.exp(logp)
        if gx.dtype != s.dtype:  # a gradient of another dtype: compute in the wider one
            gx = gx.astype(np.result_type(gx, s))
        gx *= -s if s.ndim == 0 else (-s)[:, None]
        np.add.at(gx, ctx.key, s)  # gx[key] += s (one target per row), in half the time
        return gx, None, None


class BinaryCrossEntropy(Op):
    """Binary cross-entropy of probabilities ``x`` against targets ``t`` (unreduced).

    forward:  y = -(t * max(log x, -100) + (1 - t) * max(log(1 - x), -100))
    gradient: dL/dx = g * (x - t) / max(x * (1 - x), 1e-12)
              dL/dt = g * (log(1 - x) - log(x))   (unclamped: +-inf at x = 0 or 1)
    saves:    x, t

    # NOTE: fused because PyTorch's gradient is not the derivative of its clamped forward:
    # the log clamp keeps the loss finite at x = 0 or 1, while the backward divides by
    # max(x (1 - x), 1e-12), so a wrong confident prediction gets a gradient of about
    # 1e12 rather than the clamp's 0.
    """

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), _LOG_FLOOR)
            log_1mx = np.maximum(np.log1p(-x), _LOG_FLOOR)
        return -(t * log_x + (1 - t) * log_1mx)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        gx = gt = None
        if need_x:
            spread = x * (1 - x)
            gx = g * (x - t) / D.where(spread > _BCE_EPS, spread, _BCE_EPS)
        if need_t:
            gt = g * (D.log(1 - x) - D.log(x))
        return gx, gt


class Xlogy(Op):
    """x * log(y), defined as 0 where x == 0 (unless y is nan).

    forward:  z = 0 where x == 0 and y is not nan, else x * log(y)
    gradient: dL/dx = g * xlogy(x != 0, y),   dL/dy = g * x / y   (nan at x = y = 0)
    saves:    x, y

    # NOTE: fused because x * log(y) is 0 * -inf = nan at x = y = 0 (and warns), while the
    # KL divergence needs 0 * log(0) = 0; the gradient keeps PyTorch's 0 / 0 = nan there.
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), 0, z).astype(z.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        gx = gy = None
        if need_x:
            gx = g * _xlogy(x != 0, y)
        if need_y:
            gy = g * x / y
        return gx, gy


def _xlogy(x, y):
    """``Xlogy`` of a mask (as y's dtype) and y: recorded on Tensors, bare on arrays."""
    if isinstance(y, Tensor):
        return Xlogy.apply(x.to(y.dtype), y)
    return Xlogy.forward(Xlogy._node_cls(), x.astype(y.dtype), y)


class MseLoss(Op):
    """Mean (or summed) squared error, fused.

    forward:  y = sum_i (x_i - t_i)^2 / n     ('sum': without the / n)
    gradient: dL/dx = g * 2 (x - t) / n,   dL/dt = -dL/dx
    saves:    x and t (the difference is recomputed in backward, so that a recorded
              backward pass differentiates through it)

    # NOTE: fused for speed: one op instead of three (subtract, square, mean) on the hot
    # path of every regression model, the tutorial's XOR network included.
    """

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.scale = 2.0 / x.size if reduction == "mean" else 2.0
        d = x - t
        total = np.add.reduce(d * d, axis=None)  # np.sum, without its Python wrapper
        return total / x.size if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t, _ = ctx.needs_input_grad
        gx = (g * ctx.scale) * (x - t)
        return (gx if need_x else None), (-gx if need_t else None), None
