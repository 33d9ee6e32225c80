"""SGD: stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from ..tensor import _wrap
from . import _functional as F
from .optimizer import (
    Optimizer,
    _bump_versions,
    _check_lr,
    _check_nonnegative,
    _grads,
    _scalar,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum).

    The update (see ``_functional.sgd``): d = g + wd·p; with momentum μ,
    b ← μ·b + (1 − dampening)·d and d ← b (or d + μ·b with ``nesterov``); p ← p − lr·d.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(momentum, "momentum")
        _check_nonnegative(weight_decay, "weight_decay")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            momentum = group["momentum"]
            # Without momentum there is no state at all (PyTorch leaves `state` empty).
            if momentum != 0:
                buffers = [self.state[p].get("momentum_buffer") for p in params]
                arrays = [None if b is None else b._data for b in buffers]
            else:
                arrays = [None] * len(params)
            F.sgd(
                [p._data for p in params],
                _grads(params),
                arrays,
                lr=_scalar(group["lr"]),
                momentum=momentum,
                dampening=group["dampening"],
                weight_decay=group["weight_decay"],
                nesterov=group["nesterov"],
                maximize=group["maximize"],
            )
            if momentum != 0:
                for p, buffer, array in zip(params, buffers, arrays):
                    if buffer is None:
                        self.state[p]["momentum_buffer"] = _wrap(array)
            _bump_versions(params)
        return loss
