"""The fused ops of ``chainrule.nn``: the activations (one elementwise op each), the
embedding lookup and its adjoint, and cosine_similarity's clamp.

Each is a single pass over the input (and one in backward), where a composite of primitives
would make three to six graph nodes. Where the kink of a piecewise function lies exactly on
an input, the gradient is PyTorch's: leaky_relu takes the slope at 0, hardtanh, hardsigmoid
and relu6 give 0 at their bounds, elu takes the exponential branch at 0.

Masks that pick a branch are saved on ``ctx`` as arrays: they are constants, so the recorded
backward pass (``create_graph=True``) differentiates correctly through the formulas, which
use only operators and the dual helpers of ``ops/_dual.py``.
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import _dual as D
from ._op import Op
from ._quiet import quiet
from .activation import Tanh
from .exponential import Erf

__all__: list[str] = []  # the public functions are in chainrule.nn.functional

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)  # GELU's tanh approximation: tanh(K * (x + C x**3))
_TANH_C = 0.044715


def _tanh(x):
    return D.run(Tanh, x)


def _erf(x):
    return D.run(Erf, x)


def softplus_array(x: np.ndarray, beta, threshold) -> np.ndarray:
    """PyTorch's softplus on an array: x where beta * x > threshold, else
    log1p(exp(beta * x)) / beta (exp's argument is capped, so it never overflows)."""
    if beta == 1:
        bx = x
    else:
        with quiet():  # beta * x may overflow near float32's limits: inf > threshold, as torch
            bx = x * beta
    soft = np.log1p(np.exp(np.minimum(bx, threshold))) / beta
    return np.where(bx > threshold, x, soft)


def _softplus(x):
    """softplus(x) with beta = 1, threshold = 20 (mish's inner function), on arrays or Tensors."""
    if isinstance(x, Tensor):
        return Softplus.apply(x, 1.0, 20.0)
    return softplus_array(x, 1.0, 20.0)


class LeakyRelu(Op):
    """Leaky rectified linear unit.

    forward:  y = x where x > 0, else slope * x
    gradient: dL/dx = g where x > 0, else slope * g   (slope at x == 0, as PyTorch)
    saves:    the mask x > 0 (a constant)
    """

    @staticmethod
    def forward(ctx, x, slope):
        pos = x > 0
        if any(ctx.needs_input_grad):
            ctx.pos, ctx.slope = pos, slope
        return np.where(pos, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        return D.where(ctx.pos, g, g * ctx.slope), None


class Elu(Op):
    """The exponential linear unit family: ELU, SELU and CELU.

    forward:  y = scale * x                                    where x > 0
              y = scale * alpha * (exp(input_scale * x) - 1)   elsewhere
    gradient: dL/dx = g * scale * alpha * input_scale * exp(input_scale * x)  where x <= 0
              dL/dx = g * scale       elsewhere (NaN too: PyTorch's branches)
    saves:    x

    NOTE: the exponential is only evaluated on min(x, 0), so large positive inputs cannot
    overflow; expm1 keeps tiny negative inputs exact.
    """

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        pos = x > 0
        if any(ctx.needs_input_grad):
            ctx.coef = (alpha, scale, input_scale)
            ctx.save_for_backward(x)
        neg = (scale * alpha) * np.expm1(np.minimum(x, 0) * input_scale)
        return np.where(pos, x * scale, neg)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coef
        # PyTorch's branches: the negative one where x <= 0 (x == 0 included, NaN not);
        # the exponent sees x only where x < 0, so a recorded pass differentiates the
        # slope as a constant at 0 and at NaN, where PyTorch's second derivative is 0
        x_neg = D.where(x < 0, x, D.zeros_like(x))
        slope = D.exp(x_neg * input_scale) * (scale * alpha * input_scale)
        return D.where(x <= 0, g * slope, g * scale), None, None, None


class Gelu(Op):
    """Gaussian error linear unit: x times the standard normal CDF of x.

    forward:  y = x * Phi(x),  Phi(x) = (1 + erf(x / sqrt(2))) / 2
    gradient: dL/dx = g * (Phi(x) + x * phi(x)),  phi(x) = exp(-x**2 / 2) / sqrt(2 pi)
    saves:    x (and Phi(x), reused by a plain backward pass)

    NOTE: erf runs per element in C (``math.erf``, ~150 ns an element, NumPy has none), so
    the forward pass's Phi(x) is kept for backward; a recorded backward pass
    (create_graph) recomputes it from x, as it must be differentiable there.
    """

    @staticmethod
    def forward(ctx, x):
        cdf = 0.5 * (1.0 + _erf(x * _SQRT_HALF))
        if any(ctx.needs_input_grad):
            ctx.cdf = cdf
            ctx.save_for_backward(x)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        cdf = 0.5 * (1.0 + _erf(x * _SQRT_HALF)) if isinstance(x, Tensor) else ctx.cdf
        pdf = D.exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * (cdf + x * pdf)


class GeluTanh(Op):
    """GELU's tanh approximation (``approximate='tanh'``).

    forward:  y = x / 2 * (1 + tanh(u)) = x * s,  s = sigmoid(2u),
              u = K * (x + C x**3),  K = sqrt(2/pi),  C = 0.044715
    gradient: dL/dx = g * (s + x * s * (1 - s) * 2K * (1 + 3 C x**2))
    saves:    x

    NOTE: written with sigmoid(2u) rather than 1 + tanh(u): for negative x, 1 + tanh(u)
    cancels to float32 noise, while sigmoid keeps the small values exact. x**3 overflows to
    inf beyond |x| ~ 7e12 in float32, where s is exactly 0 or 1 anyway: NumPy's overflow
    warning is silenced for that reason only.
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x)
        with quiet():
            return x * D.sigmoid((x + _TANH_C * (x * x * x)) * (2.0 * _TANH_K))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        x_sq = x * x
        s = D.sigmoid((x + x_sq * x * _TANH_C) * (2.0 * _TANH_K))
        du = (x_sq * (3.0 * _TANH_C) + 1.0) * (2.0 * _TANH_K)
        return g * (s + x * s * (1.0 - s) * du)


class Silu(Op):
    """Sigmoid linear unit (swish).

    forward:  y = x * s,  s = sigmoid(x)
    gradient: dL/dx = g * s * (1 + x * (1 - s))
    saves:    x
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x)
        return x * D.sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = D.sigmoid(x)
        return g * s * (1.0 + x * (1.0 - s))


class Softplus(Op):
    """Smooth ReLU, with PyTorch's threshold for reverting to the identity.

    forward:  y = x                          where beta * x > threshold
              y = log(1 + exp(beta x)) / beta  elsewhere
    gradient: dL/dx = g where beta * x > threshold, else g * sigmoid(beta x)
    saves:    x, and the mask beta * x > threshold (a constant)

    NOTE: exp's argument is capped at the threshold, so nothing overflows, and log1p keeps
    the tiny values of very negative inputs exact.
    """

    @staticmethod
    def forward(ctx, x, beta, threshold):
        if any(ctx.needs_input_grad):
            with quiet():  # beta * x may overflow near float32's limits
                ctx.linear = x * beta > threshold
            ctx.beta = beta
            ctx.save_for_backward(x)
        return softplus_array(x, beta, threshold)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return D.where(ctx.linear, g, g * D.sigmoid(x * ctx.beta)), None, None


class LogSigmoid(Op):
    """Log of the logistic sigmoid.

    forward:  y = log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))
    gradient: dL/dx = g * sigmoid(-x)
    saves:    x

    NOTE: fused for stability: log(sigmoid(x)) is -inf once sigmoid underflows (x < -104
    in float32), while this form is exact for any finite x.
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * D.sigmoid(-x)


class Hardtanh(Op):
    """Clamp into [lo, hi] with PyTorch's hardtanh gradient (0 on the bounds themselves).

    forward:  y = min(max(x, lo), hi)
    gradient: dL/dx = g where lo < x < hi, else 0
    saves:    the mask lo < x < hi (a constant)
    """

    @staticmethod
    def forward(ctx, x, lo, hi):
        if any(ctx.needs_input_grad):
            ctx.inside = (x > lo) & (x < hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return D.where(ctx.inside, g, D.zeros_like(g)), None, None


class Hardsigmoid(Op):
    """Piecewise-linear sigmoid.

    forward:  y = min(max(x + 3, 0), 6) / 6
    gradient: dL/dx = g / 6 where -3 < x < 3, else 0
    saves:    the mask -3 < x < 3 (a constant)
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.inside = (x > -3) & (x < 3)
        return np.minimum(np.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx, g):
        return D.where(ctx.inside, g / 6, D.zeros_like(g))


class Hardswish(Op):
    """x times hardsigmoid(x).

    forward:  y = x * min(max(x + 3, 0), 6) / 6      (NaN at -inf, as in PyTorch: -inf * 0)
    gradient: dL/dx = 0 where x <= -3,  g * (x / 3 + 1/2) where -3 < x < 3,  g elsewhere
              (x >= 3, and NaN: PyTorch's branches)
    saves:    x, and the masks of the lower and middle pieces (constants)
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.lower, ctx.middle = x <= -3, (x > -3) & (x < 3)
            ctx.save_for_backward(x)
        with quiet():
            return x * np.minimum(np.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        zero = D.zeros_like(g)
        return D.where(ctx.middle, g * (x / 3 + 0.5), D.where(ctx.lower, zero, g))


class Mish(Op):
    """Self-regularised activation: x * tanh(softplus(x)).

    forward:  y = x * t,  t = tanh(softplus(x))
    gradient: dL/dx = g * (t + x * sigmoid(x) * (1 - t**2))
    saves:    x

    NOTE: softplus is PyTorch's (identity above 20), so nothing overflows at |x| = 1e4.
    """

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x)
        return x * np.tanh(softplus_array(x, 1.0, 20.0))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = _tanh(_softplus(x))
        return g * (t + x * D.sigmoid(x) * (1.0 - t * t))


class ClampMinKeepGrad(Op):
    """Raise values below ``lo`` to ``lo`` without differentiating the clamp.

    forward:  y = max(x, lo)
    gradient: dL/dx = g   (everywhere: the clamp only guards a later division)
    saves:    nothing

    PyTorch's cosine_similarity clamps the norms in place under no_grad, so the gradient
    flows as if they were not clamped; this op reproduces that.
    """

    @staticmethod
    def forward(ctx, x, lo):
        return np.maximum(x, lo)

    @staticmethod
    def backward(ctx, g):
        return g, None


class EmbeddingLookup(Op):
    """Rows of a table: ``weight[indices]``.

    forward:  y[..., :] = W[idx[...], :]
    gradient: dL/dW[r] = mask[r] * freq[r] * sum over positions i with idx[i] == r of g[i]
    saves:    the indices, and two per-row factors in W's dtype (constants; None when all
              ones): ``mask`` is 0 on the padding row, ``freq`` is 1 / (occurrences of the
              row) with scale_grad_by_freq

    The gradient is a scatter-add, ``EmbeddingScatter``, whose own gradient is this lookup
    again, so gradients of gradients work too.
    """

    @staticmethod
    def forward(ctx, weight, indices, mask, freq):
        ctx.indices, ctx.mask, ctx.freq, ctx.rows = indices, mask, freq, weight.shape[0]
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        grad = D.run(EmbeddingScatter, g, ctx.indices, ctx.mask, ctx.freq, ctx.rows)
        return grad, None, None, None


class EmbeddingScatter(Op):
    """Sum rows into a table: the gradient of ``EmbeddingLookup``.

    forward:  y[r, :] = mask[r] * freq[r] * sum over positions i with idx[i] == r of x[i, :]
    gradient: dL/dx[i] = (mask * g)[idx[i]]   (freq left out: see the note)
    saves:    the indices and the mask (constants)

    NOTE: the frequency scale is not a derivative but PyTorch's rescaling of the first
    gradient. A second backward pass that reaches the weight crosses the forward lookup
    again, whose gradient applies the scale, so it is left out here, as PyTorch's embedding
    double backward leaves it out: gradients of gradients with respect to the weight match
    PyTorch's (and finite differences of the rescaled first gradient).
    """

    @staticmethod
    def forward(ctx, x, indices, mask, freq, rows):
        ctx.indices, ctx.mask = indices, mask
        width = x.shape[indices.ndim :]
        out = np.zeros((rows,) + width, dtype=x.dtype)
        np.add.at(out, indices.reshape(-1), x.reshape((-1,) + width))
        column = (rows,) + (1,) * len(width)
        for factor in (mask, freq):
            if factor is not None:
                out *= factor.reshape(column)
        return out

    @staticmethod
    def backward(ctx, g):
        mask = ctx.mask
        if mask is not None:
            g = g * mask.reshape(mask.shape + (1,) * (len(g.shape) - 1))
        return D.run(EmbeddingLookup, g, ctx.indices, None, None), None, None, None, None
