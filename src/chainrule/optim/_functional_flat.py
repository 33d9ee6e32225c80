"""Update rules over a whole parameter group at once: PyTorch's multi-tensor ("foreach")
form, in NumPy.

A small model's optimizer step costs what its NumPy calls cost, a dozen per parameter for
Adam; here the state of every parameter in a group lives in flat arrays (each parameter's
elements in order, one parameter after the other), so the step is a dozen calls in all.
Every element goes through the same float operations as in the per-parameter functions of
``_functional.py``, in the same order, so the numbers are identical.
"""

from __future__ import annotations

import numpy as np

from ._functional import _addcmul_, _lerp_, _quiet

__all__ = ["adam_flat"]


@_quiet
def adam_flat(
    params,
    grads,
    exp_avg,
    exp_avg_sq,
    step: float,
    *,
    beta1,
    beta2,
    lr,
    weight_decay,
    eps,
    maximize,
    decoupled_weight_decay=False,
) -> None:
    """``_functional.adam`` (without amsgrad) for a whole group of parameters at once.

    ``exp_avg`` and ``exp_avg_sq`` are flat arrays holding every parameter's moments; the
    gradients are joined into one more. ``step`` is the step number of this update, shared
    by every parameter.
    """
    g = np.concatenate(grads, axis=None)  # a new array: free to be changed in place
    if maximize:
        np.negative(g, out=g)
    if weight_decay != 0:
        if decoupled_weight_decay:
            for p in params:
                p *= 1 - lr * weight_decay
        else:
            g += weight_decay * np.concatenate(params, axis=None)
    scratch = np.empty_like(exp_avg)
    _lerp_(exp_avg, g, 1 - beta1, scratch)
    exp_avg_sq *= beta2
    _addcmul_(exp_avg_sq, 1 - beta2, g, g, scratch)
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    denom = np.sqrt(exp_avg_sq, out=g)  # g is no longer needed
    denom /= bias_correction2_sqrt
    denom += eps
    update = np.multiply(exp_avg, -step_size, out=scratch)
    update /= denom
    start = 0
    for p in params:
        end = start + p.size
        p += update[start:end].reshape(p.shape)
        start = end
