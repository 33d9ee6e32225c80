"""Classification losses: nll_loss, cross_entropy, binary_cross_entropy and
binary_cross_entropy_with_logits.

cross_entropy is log_softmax followed by nll_loss (class-index targets) or by a weighted sum
against the target distribution (class-probability targets); label smoothing mixes in the
uniform distribution exactly as PyTorch does. nll_loss and binary_cross_entropy are fused
ops (``ops/loss.py``, which says why), and so is the common case of cross_entropy (logits
(N, C), class indices, no weights, nothing ignored); the rest are composites.
"""

from __future__ import annotations

import math

import numpy as np

from ...autograd._apply_fast import apply_ternary
from ...ops._quiet import quiet
from ...ops.exponential import logaddexp
from ...ops.loss import BinaryCrossEntropy, CrossEntropy, NllLoss
from ...ops.minmax import where
from ...ops.softmax import log_softmax
from ...tensor import Tensor, _wrap
from ._loss_util import (
    apply_reduction,
    check_broadcasts_to,
    get_reduction,
    refuse_weight_grad,
    require_float,
    require_tensors,
    torch_name,
)

__all__ = [
    "nll_loss",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# ---------------------------------------------------------------- nll_loss
def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """PyTorch's checks, in PyTorch's order, for input (C), (N, C) or (N, C, d1, ..., dk)
    and target (), (N) or (N, d1, ..., dk)."""
    xs, ts = input._data.shape, target._data.shape
    nd = len(xs)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    target_batch = ts[0] if ts else 0
    if nd != 1 and xs[0] != target_batch:
        raise ValueError(
            f"Expected input batch_size ({xs[0]}) to match target batch_size ({target_batch})."
        )
    dtype_ok = target._data.dtype in (np.int64, np.uint8)

    def dtype_error() -> RuntimeError:
        return RuntimeError(
            f"expected target dtype to be Long or Byte, but got {torch_name(target)}"
        )

    if nd <= 2:
        if len(ts) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and len(ts) == 1 and ts[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {ts[0]}"
            )
    elif nd == 4 and not dtype_ok:
        raise dtype_error()
    elif ts != xs[:1] + xs[2:]:
        raise RuntimeError(
            f"Expected target size {list(xs[:1] + xs[2:])}, got {list(ts)} (nll_loss with "
            f"input of shape {list(xs)})"
        )
    if not dtype_ok:
        raise dtype_error()
    n_classes = xs[0] if nd == 1 else xs[1]
    if weight is not None:
        if weight._data.ndim != 1 or weight._data.shape[0] != n_classes:
            raise RuntimeError(
                f"weight tensor should be defined either for all {n_classes} classes or no "
                f"classes but got weight tensor of shape: {list(weight._data.shape)}"
            )
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"expected scalar type {torch_name(input)} but found {torch_name(weight)}"
            )


def _target_key(t: np.ndarray, shape: tuple) -> tuple:
    """The advanced-indexing key that picks ``x[n, t[n, s...], s...]`` from an input of
    ``shape`` (N, C, d1, ..., dk), for every sample n and spatial position s."""
    nd = len(shape)
    key = [np.arange(shape[0]).reshape((-1,) + (1,) * (nd - 2)), t]
    for i in range(2, nd):
        key.append(np.arange(shape[i]).reshape([-1 if k == i - 1 else 1 for k in range(nd - 1)]))
    return tuple(key)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: ``-weight[t] * input[n, t]`` for each target class t, where
    ``input`` holds log-probabilities (C), (N, C) or (N, C, d1, ..., dk).

    Targets equal to ``ignore_index`` contribute 0 and leave the mean's denominator, which is
    the sum of the non-ignored targets' weights (nan when that is 0, as in PyTorch).
    """
    require_tensors("nll_loss", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    _check_nll(input, target, weight)
    require_float(input, "nll_loss")
    refuse_weight_grad(weight, "nll_loss_forward")
    one_d = input._data.ndim == 1
    x = input.reshape(1, -1) if one_d else input
    t = target._data.astype(np.int64).reshape(-1) if one_d else target._data.astype(np.int64)
    keep = t != ignore_index
    n_classes = x._data.shape[1]
    bad = t[keep & ((t < 0) | (t >= n_classes))]
    if bad.size:
        raise IndexError(f"Target {bad.flat[0]} is out of bounds.")
    safe = np.where(keep, t, 0)
    dtype = x._data.dtype
    if weight is None:
        w = np.ones(t.shape, dtype)
    else:
        w = weight._data[safe] if n_classes else np.zeros(t.shape, dtype)
    loss = NllLoss.apply(x, _target_key(safe, x._data.shape), w, keep, reduction)
    if one_d and reduction == "none":
        return loss.reshape(())
    return loss


# ---------------------------------------------------------------- cross_entropy
def _class_weight_view(weight: Tensor, nd: int, class_dim: int) -> Tensor:
    """``weight`` (C) shaped to broadcast along the class dimension of an nd-d input."""
    if nd == 1:
        return weight
    return weight.reshape([-1 if d == class_dim else 1 for d in range(nd)])


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` (C), (N, C) or (N, C, d1, ..., dk) and either
    class indices (int64 target without the class dim) or class probabilities (a floating
    target of the same shape as input).

    With ``label_smoothing`` = e the target becomes ``(1 - e) * target + e / C``; with class
    indices that is ``(1 - e) * nll + e / C * smooth``, where ``smooth`` sums ``-w_c log p_c``
    over the classes and shares nll's ignore mask and denominator.
    """
    require_tensors("cross_entropy", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if input._data.shape == target._data.shape:
        if target._data.dtype.kind != "f":
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{torch_name(target)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if weight is None and label_smoothing <= 0.0 and reduction in _FUSED_REDUCTIONS:
        t = _plain_targets(input._data, target._data, ignore_index)
        if t is not None:
            return apply_ternary(CrossEntropy, input, t, reduction)  # the common case: fused
    class_dim = 0 if input._data.ndim == 1 else 1
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        return _cross_entropy_smoothed(
            input, target, weight, ignore_index, reduction, label_smoothing, class_dim
        )
    logp = log_softmax(input, class_dim)
    return nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)


_FUSED_REDUCTIONS = ("mean", "sum", "none")
_FUSED_LOGITS = (np.dtype(np.float32), np.dtype(np.float64))
_FUSED_TARGETS = (np.dtype(np.int64), np.dtype(np.uint8))


def _plain_targets(x: np.ndarray, t: np.ndarray, ignore_index: int) -> np.ndarray | None:
    """``t`` when cross-entropy over ``x`` is the case the fused op takes (logits (N, C),
    class indices (N,), every one in range and none equal to ``ignore_index``), else None:
    the composite then computes it, or raises its error."""
    if x.ndim != 2 or t.ndim != 1 or x.dtype not in _FUSED_LOGITS or t.dtype not in _FUSED_TARGETS:
        return None
    n, n_classes = x.shape
    if n == 0 or n_classes == 0 or t.shape[0] != n:
        return None
    if t.min() < 0 or t.max() >= n_classes:
        return None
    if 0 <= ignore_index < n_classes and (t == ignore_index).any():
        return None
    return t


def _check_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing) -> Tensor:
    """Class-probability targets: ``-sum_c w_c target_c log_softmax(input)_c``; the mean
    divides by the number of samples (times spatial positions), not by the weights."""
    nd = input._data.ndim
    class_dim = 0 if nd == 1 else 1
    n_classes = input._data.shape[class_dim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != n_classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {n_classes} "
            f"classes or no classes but got weight tensor of shape: {list(weight._data.shape)}"
        )
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = logp * target
    if weight is not None:
        terms = terms * _class_weight_view(weight, nd, class_dim)
    if reduction == "none":
        return -terms.sum(class_dim)
    total = -terms.sum()
    if reduction == "sum":
        return total
    count = input._data.size // n_classes if input._data.size else 0
    # PyTorch fills the mean of no samples with nan (its gradient is empty anyway).
    return total / count if count else total * math.nan


def _cross_entropy_smoothed(
    input, target, weight, ignore_index, reduction, label_smoothing, class_dim
) -> Tensor:
    """Class-index targets with label smoothing (PyTorch's formula, term for term)."""
    nd = input._data.ndim
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    n_classes = logp._data.shape[class_dim]
    if weight is not None:
        smooth = -(logp * _class_weight_view(weight, nd, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = target._data == ignore_index
    smooth = where(_wrap(ignored.reshape(smooth._data.shape)), 0.0, smooth)
    if reduction == "mean":
        kept = target._data[~ignored].astype(np.int64)
        if weight is not None:
            denom = weight._data[kept].sum()
        else:
            denom = kept.size
        # Every target ignored: 0 / 0 = nan, as in PyTorch; multiplying by nan instead of
        # dividing by 0 keeps NumPy quiet and still gives the ignored entries a 0 gradient.
        ret = smooth.sum() / float(denom) if denom != 0 else smooth.sum() * math.nan
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


# ---------------------------------------------------------------- binary cross-entropy
def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities x in [0, 1], each log clamped
    at -100 (so x = 0 or 1 gives a finite loss); the gradient is PyTorch's (see
    ``ops/loss.py: BinaryCrossEntropy``)."""
    require_tensors("binary_cross_entropy", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        check_broadcasts_to(weight, input._data.shape, "binary_cross_entropy", "weight")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {torch_name(target)} but expected {torch_name(input)}")
    require_float(input, "binary_cross_entropy")
    refuse_weight_grad(weight, "binary_cross_entropy")
    for name, x in (("input", input), ("target", target)):
        data = x._data
        if data.size and not ((data >= 0) & (data <= 1)).all():  # nan fails too
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight.detach().to(input._data.dtype)
    return apply_reduction(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)``, computed from the logits:

        loss = (1 - t) x + (1 + (pos_weight - 1) t) * softplus(-x),   times weight

    with softplus(-x) = -log(sigmoid(x)) = logaddexp(0, -x), finite for logits of any size
    (1e4 included); the gradient, sigmoid(x) (1 + (p - 1) t) - p t, comes from autograd.
    """
    require_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )
    require_float(input, "binary_cross_entropy_with_logits")
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            "binary_cross_entropy_with_logits(): result type Float can't be cast to the "
            f"desired output type {torch_name(target)} (the target must be floating)"
        )
    shape = input._data.shape
    for name, w in (("weight", weight), ("pos_weight", pos_weight)):
        if w is not None:
            check_broadcasts_to(w, shape, "binary_cross_entropy_with_logits", name)
    x, t = input, target
    softplus_neg = logaddexp(_wrap(np.zeros((), x._data.dtype)), -x)
    # Near float32's limits the products overflow to inf, as PyTorch's do (silently).
    with quiet():
        if pos_weight is not None:
            softplus_neg = softplus_neg * ((pos_weight - 1) * t + 1).to(x._data.dtype)
        # PyTorch accumulates in place into (1 - target): the loss has the target's dtype,
        # and so does the weight's product.
        loss = ((1 - t) * x + softplus_neg).to(t._data.dtype)
    if weight is not None:
        loss = loss * weight.to(t._data.dtype)
    return apply_reduction(loss, reduction)
