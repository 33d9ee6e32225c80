"""Regression and distribution losses: mse, l1, smooth_l1, huber, kl_div, poisson_nll and
gaussian_nll. All are composites of public ops (their gradients come from autograd), except
kl_div's ``0 * log(0) = 0`` term (``ops/loss.py: Xlogy``)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ...autograd._apply_fast import apply_ternary
from ...ops.exponential import log
from ...ops.loss import MseLoss, Xlogy
from ...ops.minmax import where
from ...tensor import Tensor, _wrap
from ._loss_util import (
    apply_reduction,
    get_reduction,
    require_float,
    require_tensors,
    warn_if_broadcast,
)

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
]


def _difference(input: Tensor, target: Tensor, op: str) -> Tensor:
    """``input - target`` (broadcast, with a warning when the shapes differ); a floating
    result is required, as PyTorch has no integer kernels for these losses."""
    require_tensors(op, input=input, target=target)
    warn_if_broadcast(input, target, stacklevel=4)
    d = input - target
    require_float(d, op)
    return d


def _weighted(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, mean_by_weight):
    """The reduction of ``loss * weight`` (PyTorch's optional per-element ``weight``): the
    weighted mean divides by ``sum(weight)`` for mse/l1 and by the count for huber."""
    if weight is None:
        return apply_reduction(loss, reduction)
    if not isinstance(weight, Tensor) or weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "mean" and mean_by_weight:
        return weighted.sum() / weight.sum()
    return apply_reduction(weighted, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error: ``(input - target) ** 2``, reduced; ``weight`` (same shape as
    input) makes the mean ``sum(w * se) / sum(w)``."""
    if (
        weight is None
        and size_average is None
        and reduce is None
        and reduction in ("mean", "sum")
        and isinstance(input, Tensor)
        and isinstance(target, Tensor)
        and input._data.shape == target._data.shape
        and input._data.dtype == target._data.dtype
        and input._data.dtype.kind == "f"
        and input._data.size
    ):
        return apply_ternary(MseLoss, input, target, reduction)  # the common case, fused
    d = _difference(input, target, "mse_loss")
    reduction = get_reduction(reduction, size_average, reduce)
    return _weighted(d * d, weight, input, reduction, mean_by_weight=True)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|`` (gradient 0 where they are equal)."""
    d = _difference(input, target, "l1_loss")
    reduction = get_reduction(reduction, size_average, reduce)
    return _weighted(d.abs(), weight, input, reduction, mean_by_weight=True)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target);
    ``beta == 0`` is the L1 loss."""
    d = _difference(input, target, "smooth_l1_loss")
    reduction = get_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    a = d.abs()
    if beta == 0:
        return apply_reduction(a, reduction)
    loss = where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return apply_reduction(loss, reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; with ``weight``
    the mean is the plain mean of ``w * loss`` (as PyTorch)."""
    d = _difference(input, target, "huber_loss")
    reduction = get_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    a = d.abs()
    loss = where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    # PyTorch's huber kernel writes into a tensor of the input's dtype (no promotion).
    loss = loss.to(input._data.dtype)
    return _weighted(loss, weight, input, reduction, mean_by_weight=False)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence with ``input`` the log-probabilities: ``target * (log target - input)``
    (``0 log 0 = 0``), or ``exp(target) * (target - input)`` when ``log_target``.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL);
    ``'mean'`` divides by the element count and warns, as PyTorch does.
    """
    require_tensors("kl_div", input=input, target=target)
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    elif reduction != "batchmean":
        get_reduction(reduction)
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = Xlogy.apply(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input._data.ndim != 0 else total
    return apply_reduction(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term where target > 1."""
    require_tensors("poisson_nll_loss", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        # Stirling's approximation on a safe stand-in where target <= 1 (masked out below),
        # so log never sees 0 and no NaN reaches the gradient.
        t = where(big, target, 2.0)
        log_t = log(t)
        stirling = t * log_t - t + 0.5 * log(2 * math.pi * t)
        loss = loss + where(big, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log var + (input - target)**2 / var)``, with
    ``var`` clamped below at ``eps`` (the clamp passes the gradient through, as PyTorch's
    in-place clamp under no_grad does)."""
    require_tensors("gaussian_nll_loss", input=input, target=target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _wrap(np.full(input._data.shape, var, dtype=input._data.dtype))
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    vs, xs = var._data.shape, input._data.shape
    if vs != xs:
        if xs[:-1] == vs:  # one variance per sample (homoscedastic)
            var = var.unsqueeze(-1)
        elif not (len(xs) == len(vs) and sum(v for x, v in zip(xs, vs) if x != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # PyTorch clamps a clone of var in place under no_grad: the values change, the gradient
    # reaches var unchanged. (var - var.detach()) is exactly 0 and carries that gradient.
    clamped = _wrap(np.maximum(var._data, eps).astype(var._data.dtype, copy=False))
    var = var - var.detach() + clamped
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)
