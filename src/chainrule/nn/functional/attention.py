"""nn.functional: scaled dot-product attention and multi-head attention.

Both are composites of public ops (matmul, softmax, masked_fill, cat, linear), so autograd
needs no backward of its own here:

    scores  = q @ k^T * scale + bias          (bias: 0 where allowed, -inf where masked)
    weights = softmax(scores, dim=-1)         (then dropout, if any)
    output  = weights @ v

Mask conventions follow PyTorch, and they differ between the two functions:
``scaled_dot_product_attention`` takes a bool ``attn_mask`` whose True entries *take part*;
``multi_head_attention_forward`` (and ``nn.MultiheadAttention``) take bool masks whose True
entries are *masked out*. Float masks are added to the scores in both.
"""

from __future__ import annotations

import math

import numpy as np

from ...ops.softmax import softmax
from ...tensor import Tensor, _wrap
from .dropout import dropout

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ---------------------------------------------------------------- helpers
def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, with 0 (not NaN) for a row whose every entry is masked.

    # NOTE: PyTorch's SDPA gives 0 output and 0 gradient for a fully masked query. Filling
    # such rows with 0 before the softmax keeps exp() finite (no NaN in forward or
    # backward); filling the result with 0 afterwards stops their gradient.
    """
    dead = np.isneginf(np.max(scores._data, axis=-1, keepdims=True)) if scores.numel() else None
    if dead is None or not dead.any():
        return softmax(scores, -1)
    dead_t = _wrap(dead)
    return softmax(scores.masked_fill(dead_t, 0.0), -1).masked_fill(dead_t, 0.0)


def _dtype_name(t: Tensor) -> str:
    return str(t.dtype).split(".")[-1]


# ---------------------------------------------------------------- SDPA
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(q @ k^T * scale + bias) @ v, for q (N..., Hq, L, E), k (N..., H, S, E) and
    v (N..., H, S, Ev); returns (N..., Hq, L, Ev).

    ``scale`` defaults to 1 / sqrt(E). ``attn_mask`` broadcasts to (N..., Hq, L, S): a bool
    mask keeps its True entries, a float mask is added to the scores. ``is_causal`` lets query
    i see keys 0..i (upper-left aligned when L != S). Dropout (``dropout_p``, always applied
    when positive, as in PyTorch) zeroes attention weights with chainrule's generator. A query
    that may see no key at all gets a zero output and a zero gradient. ``enable_gqa`` repeats
    each key/value head Hq / H times (grouped-query attention).
    """
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key, and value to all be at least "
            f"2 dimensional, but got query.dim: {query.dim()} key.dim: {key.dim()} and "
            f"value.dim: {value.dim()} instead."
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key, and value to have the same "
            f"dtype, but got query.dtype: {_dtype_name(query)} key.dtype: {_dtype_name(key)} "
            f"and value.dtype: {_dtype_name(value)} instead."
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            "scaled_dot_product_attention: query and key must share the last dimension and "
            "key and value the sequence dimension, got query "
            f"{list(query.shape)}, key {list(key.shape)}, value {list(value.shape)}"
        )
    if enable_gqa and query.dim() >= 3:
        key, value = _repeat_heads(query, key, value)

    npd = query._data.dtype
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale_factor
    if is_causal:
        allowed = np.tril(np.ones((L, S), dtype=bool))
        scores = scores + _wrap(np.where(allowed, 0.0, -np.inf).astype(npd))
    if attn_mask is not None:
        scores = scores + _sdpa_bias(attn_mask, scores, npd)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def _repeat_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each of the H key/value heads serves Hq / H query heads
    (``repeat_interleave`` along the head dim, written as unsqueeze-expand-reshape)."""
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hq % hk != 0:
        raise RuntimeError(
            "scaled_dot_product_attention: with enable_gqa=True the number of heads in key and "
            f"value must be equal and divide the number of heads in query, got query {hq}, "
            f"key {hk}, value {hv}"
        )
    reps = hq // hk

    def repeat(t: Tensor) -> Tensor:
        if reps == 1:
            return t
        shape = tuple(t.shape)
        grown = t.unsqueeze(-3).expand(*shape[:-2], reps, *shape[-2:])
        return grown.reshape(*shape[:-3], hk * reps, *shape[-2:])

    return repeat(key), repeat(value)


def _sdpa_bias(attn_mask: Tensor, scores: Tensor, npd: np.dtype):
    """The additive bias for SDPA's ``attn_mask`` (bool: True takes part)."""
    try:
        shape = np.broadcast_shapes(tuple(attn_mask.shape), tuple(scores.shape))
    except ValueError:
        shape = None
    if shape != tuple(scores.shape):
        raise RuntimeError(
            f"scaled_dot_product_attention: attn_mask of shape {list(attn_mask.shape)} does "
            f"not broadcast to the attention weights' shape {list(scores.shape)}"
        )
    kind = attn_mask._data.dtype.kind
    if kind == "b":
        return _wrap(np.where(attn_mask._data, 0.0, -np.inf).astype(npd))
    if kind != "f":
        raise RuntimeError(
            "scaled_dot_product_attention: expected attn_mask dtype to be bool or float, but "
            f"got attn_mask.dtype: {_dtype_name(attn_mask)}"
        )
    return attn_mask


# ---------------------------------------------------------------- multi-head attention


from ._mha import multi_head_attention_forward  # noqa: E402  (uses the helpers above)
