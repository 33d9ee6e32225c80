"""The update rules of the optimizers, as pure functions over NumPy arrays.

Each function takes lists of arrays (parameters, gradients, per-parameter state) and the
hyperparameters as keywords, and updates the parameters and the state *in place*; it never
writes into a gradient. Outside the arrays it touches nothing, so it can be read, tested and
reused on its own. The arithmetic follows PyTorch's single-tensor CPU kernels operation by
operation (same order, same float32 rounding of the scalars), which is what keeps chainrule
and PyTorch within float rounding of each other after many steps.

Notation: p parameter, g gradient, lr learning rate, wd weight decay, t the step number
(counted from 1), ε eps.
"""

from __future__ import annotations

import functools

import numpy as np

from ..ops._quiet import _IGNORE, _reset_errstate, _set_errstate

__all__ = ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam"]


# NOTE: PyTorch lets an update overflow to inf or produce nan silently (a diverging run is
# the user's business); NumPy would warn, and the test suite turns warnings into errors.
def _quiet(update):
    @functools.wraps(update)
    def quiet_update(*args, **kwargs):
        token = _set_errstate(_IGNORE)  # ``with quiet():``, minus a context manager
        try:
            return update(*args, **kwargs)
        finally:
            _reset_errstate(token)

    return quiet_update


def _direction(grad: np.ndarray, param: np.ndarray, weight_decay: float, maximize: bool):
    """g, negated under ``maximize``, plus the L2 penalty's gradient wd·p (a new array when
    either applies: the parameter's own gradient is never written)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    return g


def _decayed_direction(grad, param, *, lr, weight_decay, maximize, decoupled):
    """As ``_direction``; with ``decoupled`` (AdamW) the decay shrinks p itself,
    p ← p·(1 − lr·wd), and leaves the gradient alone."""
    if decoupled:
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        return -grad if maximize else grad
    return _direction(grad, param, weight_decay, maximize)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch=None) -> None:
    """start ← start + w·(end − start), in place, in PyTorch's two-sided form (exact at
    w = 1: the second form is used from w = 0.5 on). ``scratch``, an array of start's
    shape and dtype, holds the intermediate (else a new one is made)."""
    w = start.dtype.type(weight)
    diff = np.subtract(end, start, out=scratch)
    if abs(w) < 0.5:
        diff *= w
        start += diff
    else:
        diff *= 1 - w
        np.subtract(end, diff, out=start)


def _addcmul_(target: np.ndarray, value: float, a: np.ndarray, b: np.ndarray, scratch=None):
    """target ← target + value·a·b, in place (``scratch``: as in ``_lerp_``)."""
    product = np.multiply(a, value, out=scratch)
    product *= b
    target += product


# A large in-place update runs in pieces of this many elements (256 KB of float32) through
# one small buffer: see ``_sub_scaled_``.
_PIECE = 1 << 16


def _sub_scaled_(param: np.ndarray, lr: float, d: np.ndarray) -> None:
    """param ← param − lr·d, in place, with the numbers of ``param -= lr * d``.

    A large parameter is updated piece by piece through a buffer of ``_PIECE`` elements,
    so the update needs no temporary the size of the parameter (on a wide model that
    temporary is the peak of the step's memory) and each piece is still in cache when it
    is subtracted.
    """
    if (
        param.size <= _PIECE
        or d.dtype != param.dtype
        or not (param.flags.c_contiguous and d.flags.c_contiguous)
        or d.shape != param.shape
    ):
        param -= lr * d
        return
    flat_p, flat_d = param.reshape(-1), d.reshape(-1)
    buffer = np.empty(_PIECE, dtype=param.dtype)
    for start in range(0, flat_p.size, _PIECE):
        p_piece = flat_p[start : start + _PIECE]
        scaled = np.multiply(flat_d[start : start + _PIECE], lr, out=buffer[: p_piece.size])
        np.subtract(p_piece, scaled, out=p_piece)


@_quiet
def sgd(
    params, grads, momentum_buffers, *, lr, momentum, dampening, weight_decay, nesterov, maximize
) -> None:
    """Stochastic gradient descent with momentum (in place).

    d = g + wd·p
    b ← d on the first step, else b ← μ·b + (1 − dampening)·d     (μ = momentum ≠ 0)
    d ← d + μ·b with nesterov, else d ← b
    p ← p − lr·d

    ``momentum_buffers[i]`` is None before parameter i's first update; a new buffer is
    stored into the list then.
    """
    if momentum == 0 and weight_decay == 0 and not maximize:  # plain SGD: p -= lr * g
        rate = None  # lr as a 0-d array of p's dtype: the same product, faster (ops/_consts)
        for p, grad in zip(params, grads):
            if p.size <= _PIECE:  # _sub_scaled_'s first case, without the call
                if rate is None or rate.dtype is not p.dtype:
                    rate = np.array(lr, p.dtype)
                p -= rate * grad
            else:
                _sub_scaled_(p, lr, grad)
        return
    for i, (p, grad) in enumerate(zip(params, grads)):
        d = _direction(grad, p, weight_decay, maximize)
        if momentum != 0:
            buf = momentum_buffers[i]
            if buf is None:
                buf = d.copy()
                momentum_buffers[i] = buf
            else:
                buf *= momentum
                buf += (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        _sub_scaled_(p, lr, d)


@_quiet
def adam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    max_exp_avg_sqs,
    state_steps,
    *,
    amsgrad,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
    decoupled_weight_decay=False,
) -> None:
    """Adam, and AdamW with ``decoupled_weight_decay`` (in place).

    m ← β1·m + (1 − β1)·g            (first moment, exp_avg)
    v ← β2·v + (1 − β2)·g²           (second moment, exp_avg_sq)
    v̂ = max(v̂, v) with amsgrad, else v
    p ← p − lr/(1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + ε)
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        m, v, step = exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        step += 1
        g = _decayed_direction(
            grad,
            p,
            lr=lr,
            weight_decay=weight_decay,
            maximize=maximize,
            decoupled=decoupled_weight_decay,
        )
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, 1 - beta2, g, g)
        t = float(step)
        step_size = lr / (1 - beta1**t)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
            v = max_exp_avg_sqs[i]
        denom = np.sqrt(v) / bias_correction2_sqrt
        denom += eps
        p += (-step_size * m) / denom


@_quiet
def rmsprop(
    params,
    grads,
    square_avgs,
    grad_avgs,
    momentum_buffers,
    state_steps,
    *,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
) -> None:
    """RMSprop (in place).

    v ← α·v + (1 − α)·g²                         (square_avg)
    ḡ ← α·ḡ + (1 − α)·g,  s = √(v − ḡ²) + ε      with centered (grad_avg)
    s = √v + ε                                    otherwise
    b ← μ·b + g/s, p ← p − lr·b                   with momentum μ > 0
    p ← p − lr·g/s                                otherwise

    ``grad_avgs`` / ``momentum_buffers`` are only read when centered / momentum > 0.
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        v, step = square_avgs[i], state_steps[i]
        step += 1
        g = _direction(grad, p, weight_decay, maximize)
        v *= alpha
        _addcmul_(v, 1 - alpha, g, g)
        if centered:
            g_avg = grad_avgs[i]
            _lerp_(g_avg, g, 1 - alpha)
            avg = np.sqrt(v + (-1 * g_avg) * g_avg)
        else:
            avg = np.sqrt(v)
        avg += eps
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            p += (-lr * g) / avg


@_quiet
def adagrad(params, grads, state_sums, state_steps, *, lr, weight_decay, lr_decay, eps, maximize):
    """Adagrad (in place).

    s ← s + g²                              (sum)
    p ← p − lr/(1 + (t − 1)·lr_decay) · g / (√s + ε)
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        s, step = state_sums[i], state_steps[i]
        step += 1
        g = _direction(grad, p, weight_decay, maximize)
        clr = lr / (1 + (float(step) - 1) * lr_decay)
        s += g * g
        std = np.sqrt(s)
        std += eps
        p += (-clr * g) / std


@_quiet
def adadelta(
    params, grads, square_avgs, acc_deltas, state_steps, *, lr, rho, eps, weight_decay, maximize
) -> None:
    """Adadelta (in place).

    v ← ρ·v + (1 − ρ)·g²                      (square_avg)
    Δ = √(u + ε) / √(v + ε) · g
    u ← ρ·u + (1 − ρ)·Δ²                      (acc_delta)
    p ← p − lr·Δ
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        v, u, step = square_avgs[i], acc_deltas[i], state_steps[i]
        step += 1
        g = _direction(grad, p, weight_decay, maximize)
        v *= rho
        _addcmul_(v, 1 - rho, g, g)
        std = np.sqrt(v + eps)
        delta = np.sqrt(u + eps)
        delta /= std
        delta *= g
        u *= rho
        _addcmul_(u, 1 - rho, delta, delta)
        p -= lr * delta


@_quiet
def adamax(
    params, grads, exp_avgs, exp_infs, state_steps, *, eps, beta1, beta2, lr, weight_decay, maximize
) -> None:
    """Adamax, Adam with an infinity norm (in place).

    m ← β1·m + (1 − β1)·g                     (exp_avg)
    u ← max(β2·u, |g| + ε)                    (exp_inf)
    p ← p − lr/(1 − β1ᵗ) · m / u
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        m, u, step = exp_avgs[i], exp_infs[i], state_steps[i]
        step += 1
        g = _direction(grad, p, weight_decay, maximize)
        _lerp_(m, g, 1 - beta1)
        u *= beta2
        np.maximum(u, np.abs(g) + eps, out=u)
        clr = lr / (1 - beta1 ** float(step))
        p += (-clr * m) / u


@_quiet
def nadam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    mu_products,
    state_steps,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    momentum_decay,
    eps,
    decoupled_weight_decay,
    maximize,
) -> None:
    """NAdam, Adam with Nesterov momentum (in place).

    μₜ = β1·(1 − ½·0.96^(t·ψ))                 (ψ = momentum_decay)
    Πₜ = Πₜ₋₁·μₜ                               (mu_product, kept in the step dtype)
    m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
    s = √(v / (1 − β2ᵗ)) + ε
    p ← p − lr·(1 − μₜ)/(1 − Πₜ) · g/s − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/s
    """
    for i, (p, grad) in enumerate(zip(params, grads)):
        m, v, mu_product, step = exp_avgs[i], exp_avg_sqs[i], mu_products[i], state_steps[i]
        step += 1
        t = float(step)
        bias_correction2 = 1 - beta2**t
        g = _decayed_direction(
            grad,
            p,
            lr=lr,
            weight_decay=weight_decay,
            maximize=maximize,
            decoupled=decoupled_weight_decay,
        )
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product *= mu
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, 1 - beta2, g, g)
        denom = np.sqrt(v / bias_correction2)
        denom += eps
        product = float(mu_product)
        product_next = product * mu_next
        p += ((-lr * (1.0 - mu) / (1.0 - product)) * g) / denom
        p += (((-lr * mu_next) / (1.0 - product_next)) * m) / denom


@_quiet
def radam(
    params,
    grads,
    exp_avgs,
    exp_avg_sqs,
    state_steps,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    decoupled_weight_decay,
    maximize,
) -> None:
    """RAdam, Adam with a rectified warm-up of the adaptive term (in place).

    m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²,  m̂ = m / (1 − β1ᵗ)
    ρ∞ = 2/(1 − β2) − 1,  ρₜ = ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)
    ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)),
             p ← p − m̂·lr · √(1 − β2ᵗ)/(√v + ε) · r
    else:    p ← p − m̂·lr        (the variance estimate is not yet trustworthy)
    """
    rho_inf = 2 / (1 - beta2) - 1
    for i, (p, grad) in enumerate(zip(params, grads)):
        m, v, step = exp_avgs[i], exp_avg_sqs[i], state_steps[i]
        step += 1
        t = float(step)
        g = _decayed_direction(
            grad,
            p,
            lr=lr,
            weight_decay=weight_decay,
            maximize=maximize,
            decoupled=decoupled_weight_decay,
        )
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_(v, 1 - beta2, g, g)
        bias_correction2 = 1 - beta2**t
        corrected = m / (1 - beta1**t)
        rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
        if rho_t > 5.0:
            std = np.sqrt(v)
            std += eps
            # PyTorch evaluates `scalar / tensor` as reciprocal(tensor) * scalar
            adaptive = np.reciprocal(std) * bias_correction2**0.5
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            p -= corrected * lr * adaptive * rect
        else:
            p -= corrected * lr
