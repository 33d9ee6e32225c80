"""Adagrad: per-coordinate learning rates that shrink with the sum of squared gradients."""

from __future__ import annotations

import numpy as np

from ..tensor import _wrap
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
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    The update (see ``_functional.adagrad``): s ← s + g²,
    p ← p − lr/(1 + (t − 1)·lr_decay) · g/(√s + ε).

    As in PyTorch, the state of every parameter is created up front, with the sum filled
    with the constructor's ``initial_accumulator_value``.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(lr_decay, "lr_decay")
        _check_nonnegative(weight_decay, "weight_decay")
        _check_nonnegative(initial_accumulator_value, "initial_accumulator_value")
        _check_nonnegative(eps, "epsilon")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        # the defaults' value, not the group's: PyTorch ignores a per-group setting
        state["sum"] = _wrap(np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            F.adagrad(
                _arrays(params),
                _grads(params),
                [s["sum"]._data for s in states],
                [s["step"]._data for s in states],
                lr=_scalar(group["lr"]),
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
            _bump_versions(params)
        return loss
