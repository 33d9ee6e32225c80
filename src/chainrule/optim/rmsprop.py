"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from . import _functional as F
from .optimizer import (
    Optimizer,
    _arrays,
    _bump_versions,
    _check_lr,
    _check_nonnegative,
    _grads,
    _scalar,
    _step_tensor,
    _zeros_like,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e); ``centered`` subtracts the squared mean gradient
    (Graves, 2013), ``momentum`` accumulates the scaled steps.

    The update (see ``_functional.rmsprop``): v ← α·v + (1 − α)·g²,
    p ← p − lr·g/(√v + ε) (with momentum: b ← μ·b + g/(√v + ε), p ← p − lr·b).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(eps, "epsilon")
        _check_nonnegative(momentum, "momentum")
        _check_nonnegative(weight_decay, "weight_decay")
        _check_nonnegative(alpha, "alpha")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        state["square_avg"] = _zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            momentum, centered = group["momentum"], group["centered"]
            F.rmsprop(
                _arrays(params),
                _grads(params),
                [s["square_avg"]._data for s in states],
                [s["grad_avg"]._data for s in states] if centered else [],
                [s["momentum_buffer"]._data for s in states] if momentum > 0 else [],
                [s["step"]._data for s in states],
                lr=_scalar(group["lr"]),
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=momentum,
                centered=centered,
                maximize=group["maximize"],
            )
            _bump_versions(params)
        return loss
