"""Margin and embedding losses: cosine_embedding, margin_ranking, hinge_embedding,
soft_margin, triplet_margin and multi_margin. All are composites of public ops, written as
PyTorch's kernels compute them (so the values and gradients are PyTorch's)."""

from __future__ import annotations

import numpy as np

from ...ops.exponential import logaddexp
from ...ops.minmax import minimum, where
from ...ops.reduction_norm import norm
from ...tensor import Tensor, _wrap
from ._loss_util import apply_reduction, get_reduction, require_tensors, torch_name

__all__ = [
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "multi_margin_loss",
]

_COSINE_EPS = 1e-12  # PyTorch's EPSILON in cosine_embedding_loss


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is
    -1 (and 0 for any other target value); the squared norms get 1e-12 added, as PyTorch."""
    require_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    td = target._data.ndim
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if td == 1 else 1
    if input1._data.ndim != want or input2._data.ndim != want:
        raise RuntimeError(
            f"{td}D target tensor expects {want}D input tensors, but found inputs with sizes "
            f"{list(input1._data.shape)} and {list(input2._data.shape)}."
        )
    dot = (input1 * input2).sum(td)
    sq1 = (input1 * input1).sum(td) + _COSINE_EPS
    sq2 = (input2 * input2).sum(td) + _COSINE_EPS
    cos = dot / (sq1 * sq2).sqrt()
    positive = where(target == 1, 1 - cos, 0.0)
    negative = where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return apply_reduction(positive + negative, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: target 1 asks input1 to rank
    higher, -1 lower."""
    require_tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if not input1._data.ndim == input2._data.ndim == target._data.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return apply_reduction(loss, reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1 (PyTorch adds
    both terms, so any other target value gets their sum)."""
    require_tensors("hinge_embedding_loss", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    zeros = _wrap(np.zeros(input._data.shape, input._data.dtype))
    beyond_margin = where(target != 1, (margin - input).clamp(min=0), zeros)
    itself = where(target != -1, input, zeros)
    return apply_reduction(beyond_margin + itself, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``log(1 + exp(-target * input))``, computed as ``logaddexp(0, -target * input)`` so
    that large margins do not overflow."""
    require_tensors("soft_margin_loss", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    z = -input * target
    loss = logaddexp(_wrap(np.zeros((), z._data.dtype)), z)
    # PyTorch's kernel writes into a tensor of the input's dtype (no promotion).
    return apply_reduction(loss.to(input._data.dtype), reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    """PyTorch's pairwise_distance: ``||x1 - x2 + eps||_p`` over the last dimension."""
    last = max(x1._data.ndim, x2._data.ndim) - 1
    return norm(x1 - x2 + eps, p, last)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with d the p-norm
    distance; ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    require_tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    reduction = get_reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor._data.ndim, positive._data.ndim, negative._data.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    loss = (margin + d_pos - d_neg).clamp(min=0)
    return apply_reduction(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: for each sample with target y,
    ``sum_{j != y} w_y max(0, margin - x_y + x_j) ** p / C`` (p is 1 or 2)."""
    require_tensors("multi_margin_loss", input=input, target=target)
    reduction = get_reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight._data.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    xs = input._data.shape
    nd = len(xs)
    if not (nd == 0 or (nd <= 2 and xs[-1] != 0)):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(xs)}"
        )
    n_frames = xs[0] if nd == 2 else 1
    n_classes = xs[-1] if nd else 1
    t = target._data
    if t.ndim > 1 or t.size != n_frames:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{n_frames}], but got "
            f"{list(t.shape)}. Input has shape {list(xs)}."
        )
    if weight is not None and weight._data.size != n_classes:
        raise RuntimeError(
            f"inconsistent weight size, expected {n_classes} but got {list(weight._data.shape)}"
        )
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {torch_name(target)}")
    t = t.reshape(n_frames)
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise RuntimeError("target out of range")
    x = input.reshape(n_frames, n_classes)
    rows = np.arange(n_frames)
    x_target = x[_wrap(rows), _wrap(t)].unsqueeze(1)
    z = margin - x_target + x
    hinge = where(z > 0, z, 0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[_wrap(t)].unsqueeze(1)
    is_target = np.zeros((n_frames, n_classes), dtype=bool)
    is_target[rows, t] = True
    loss = where(_wrap(is_target), 0.0, hinge).sum(1) / n_classes
    if nd <= 1:
        loss = loss.reshape(target._data.shape)
    return apply_reduction(loss, reduction)
