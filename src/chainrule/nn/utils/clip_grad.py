"""Gradient clipping, applied to ``.grad`` in place after ``backward()``."""

from __future__ import annotations

import math

import numpy as np

from ...tensor import Tensor, _wrap


def _grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    total = ||(||g_1||, ..., ||g_n||)||   (the norm of all gradients as one vector)
    g_i <- g_i * min(1, max_norm / (total + 1e-6))
    Returns ``total`` (before clipping), as PyTorch does.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return _wrap(np.array(0.0, dtype=np.float32))
    dtype = grads[0]._data.dtype
    if math.isinf(norm_type):
        norms = [np.abs(g._data).max(initial=0.0) for g in grads]
        total = np.max(norms).astype(dtype)
    else:
        norms = [np.linalg.norm(g._data.ravel(), ord=norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=dtype), ord=norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = np.minimum(max_norm / (total + 1e-6), 1.0).astype(dtype)
    for g in grads:
        g._data *= coef.astype(g._data.dtype)  # PyTorch multiplies even when coef == 1
        g._bump_version()
    return _wrap(np.asarray(total))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump_version()
