"""nn.functional: multi-head attention (the maths of ``nn.MultiheadAttention``).

Masks here follow ``nn.MultiheadAttention``: bool entries that are True are *masked out*
(the opposite of ``scaled_dot_product_attention``), float masks are added to the scores.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _creation
from ...ops.join import cat
from ...ops.softmax import softmax
from ...tensor import Tensor, _wrap
from .attention import scaled_dot_product_attention
from .dropout import dropout
from .linear import linear


def _canonical_mask(mask, mask_name: str, other, other_name: str, npd) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask (-inf = masked out); floats pass."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type "
            "for both instead.",
            stacklevel=3,
        )
    if kind == "b":
        return _wrap(np.where(mask._data, -np.inf, 0.0).astype(npd))
    return mask


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """Append one zero (attend) column to a float mask, for an added key."""
    if mask is None:
        return None
    zeros = _creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype)
    return cat([mask, zeros], -1)


def _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """PyTorch's rank rules for MHA; returns whether the input is batched."""
    nd = query.dim()
    if nd not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {nd}-D query tensor"
        )
    kind = "batched (3-D)" if nd == 3 else "unbatched (2-D)"
    if key.dim() != nd or value.dim() != nd:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {nd}-D but found "
            f"{key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != nd - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {nd - 1}-D but "
            f"found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
            f"{attn_mask.dim()}-D tensor instead"
        )
    expected = (num_heads, query.shape[0], key.shape[0])
    if nd == 2 and attn_mask is not None and attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}"
            )
    return nd == 3


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate):
    """q, k, v = the three input projections (one matmul for self-attention)."""
    E = query.shape[-1]
    if separate is not None:
        w_q, w_k, w_v = separate
        for name, w, x in (("query", w_q, query), ("key", w_k, key), ("value", w_v, value)):
            if tuple(w.shape) != (E, x.shape[-1]):
                raise AssertionError(
                    f"expecting {name} weights shape of {(E, x.shape[-1])}, but got "
                    f"{tuple(w.shape)}"
                )
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    if key is value:
        if query is key:  # self-attention: one projection, then split
            return linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        w_q, w_kv = in_proj_weight.split([E, 2 * E])
        b_q, b_kv = (None, None) if in_proj_bias is None else in_proj_bias.split([E, 2 * E])
        k, v = linear(key, w_kv, b_kv).chunk(2, -1)
        return linear(query, w_q, b_q), k, v
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on (L, N, E) query and (S, N, Ek/Ev) key/value (or unbatched
    (L, E) and (S, Ek/Ev)), PyTorch's functional form of ``nn.MultiheadAttention``.

    Each of the ``num_heads`` heads attends with its own E / num_heads slice of the
    projected q, k, v; the heads' outputs are concatenated and projected by
    ``out_proj_weight``. Bool masks mark positions to *ignore*. Returns
    ``(attn_output, attn_weights)``: weights (N, L, S) averaged over heads, (N, H, L, S) with
    ``average_attn_weights=False``, or None when ``need_weights`` is False.
    """
    is_batched = _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    npd = query._data.dtype
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", npd
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # SDPA applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", npd)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer purely causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}"
            )
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError(
                "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                "v_proj_weight is None"
            )
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
            )
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        separate = None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)

    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                    f"{(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                f"{(bsz * num_heads, tgt_len, src_len)}."
            )

    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)

    # Heads become part of the batch: (L, N, E) -> (N * H, L, head_dim).
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz * num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz * num_heads, head_dim, "static_v")

    if add_zero_attn:
        zero = _creation.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype)
        k = cat([k, zero], 1)
        v = cat([v, zero.to(v.dtype)], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"Expected key_padding_mask of shape {(bsz, src_len)}, but got "
                f"{tuple(key_padding_mask.shape)}"
            )
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        weights = q_scaled @ k.transpose(-2, -1)
        if attn_mask is not None:
            weights = attn_mask + weights
        # PyTorch's plain softmax here: a fully masked row gives NaN, as it does in torch.
        weights = softmax(weights, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(
            tgt_len, bsz, out_proj_weight.shape[0]
        )
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, attn_mask.shape[1], src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(
        tgt_len, bsz, out_proj_weight.shape[0]
    )
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _heads(x: Tensor, static: Tensor | None, batch_heads: int, head_dim: int, name: str):
    """(S, N, E) -> (N * H, S, head_dim), or a given ``static_k``/``static_v``."""
    if static is None:
        return x.reshape(x.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise AssertionError(
            f"expecting {name} of shape ({batch_heads}, *, {head_dim}), but got "
            f"{tuple(static.shape)}"
        )
    return static
