"""NAdam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

from . import _functional as F
from .optimizer import (
    Optimizer,
    _arrays,
    _bump_versions,
    _check_betas,
    _check_lr,
    _check_nonnegative,
    _grads,
    _scalar,
    _step_tensor,
    _zeros_like,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016); ``decoupled_weight_decay`` gives NAdamW.

    The update (see ``_functional.nadam``): with μₜ = β1·(1 − ½·0.96^(t·momentum_decay))
    and Πₜ = μ₁···μₜ, p ← p − lr·(1 − μₜ)/(1 − Πₜ)·g/s − lr·μₜ₊₁/(1 − Πₜμₜ₊₁)·m/s,
    s = √(v/(1 − β2ᵗ)) + ε.
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(eps, "epsilon")
        _check_betas(betas)
        _check_nonnegative(weight_decay, "weight_decay")
        _check_nonnegative(momentum_decay, "momentum_decay")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        state["mu_product"] = _step_tensor(1.0)
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            beta1, beta2 = group["betas"]
            F.nadam(
                _arrays(params),
                _grads(params),
                [s["exp_avg"]._data for s in states],
                [s["exp_avg_sq"]._data for s in states],
                [s["mu_product"]._data for s in states],
                [s["step"]._data for s in states],
                beta1=beta1,
                beta2=beta2,
                lr=_scalar(group["lr"]),
                weight_decay=group["weight_decay"],
                momentum_decay=group["momentum_decay"],
                eps=group["eps"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )
            _bump_versions(params)
        return loss
