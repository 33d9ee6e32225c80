"""Adadelta: a learning rate per coordinate from running averages of gradients and steps."""

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

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012).

    The update (see ``_functional.adadelta``): v ← ρ·v + (1 − ρ)·g²,
    Δ = √(u + ε)/√(v + ε)·g, u ← ρ·u + (1 − ρ)·Δ², p ← p − lr·Δ.
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(eps, "epsilon")
        _check_nonnegative(weight_decay, "weight_decay")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        state["square_avg"] = _zeros_like(p)
        state["acc_delta"] = _zeros_like(p)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            F.adadelta(
                _arrays(params),
                _grads(params),
                [s["square_avg"]._data for s in states],
                [s["acc_delta"]._data for s in states],
                [s["step"]._data for s in states],
                lr=_scalar(group["lr"]),
                rho=group["rho"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
            _bump_versions(params)
        return loss
