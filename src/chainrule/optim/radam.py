"""RAdam: Adam whose adaptive term is switched on gradually, as its variance settles."""

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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020); ``decoupled_weight_decay`` gives RAdamW.

    The update (see ``_functional.radam``): Adam's moments, and while the length of the
    approximated simple moving average ρₜ is at most 5 a plain momentum step p ← p − lr·m̂;
    afterwards the Adam step scaled by the rectification term r.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
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
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            beta1, beta2 = group["betas"]
            F.radam(
                _arrays(params),
                _grads(params),
                [s["exp_avg"]._data for s in states],
                [s["exp_avg_sq"]._data for s in states],
                [s["step"]._data for s in states],
                beta1=beta1,
                beta2=beta2,
                lr=_scalar(group["lr"]),
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
                maximize=group["maximize"],
            )
            _bump_versions(params)
        return loss
