"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

from ..tensor import Tensor
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

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015); ``amsgrad`` keeps the running maximum of the second moment.

    The update (see ``_functional.adam``): m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
    p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε). ``weight_decay`` adds wd·p to the
    gradient, or with ``decoupled_weight_decay`` (AdamW) shrinks p by (1 − lr·wd) directly.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonnegative(eps, "epsilon")
        _check_betas(betas)
        _check_nonnegative(weight_decay, "weight_decay")
        both_float = isinstance(betas[0], float) and isinstance(betas[1], float)
        both_tensor = isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)
        if not (both_float or both_tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = (_scalar(betas[0]), _scalar(betas[1]))
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _init_state(self, p, state, group) -> None:
        state["step"] = _step_tensor()
        state["exp_avg"] = _zeros_like(p)
        state["exp_avg_sq"] = _zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            amsgrad = group["amsgrad"]
            beta1, beta2 = group["betas"]
            F.adam(
                _arrays(params),
                _grads(params),
                [s["exp_avg"]._data for s in states],
                [s["exp_avg_sq"]._data for s in states],
                [s["max_exp_avg_sq"]._data for s in states] if amsgrad else [],
                [s["step"]._data for s in states],
                amsgrad=amsgrad,
                beta1=_scalar(beta1),
                beta2=_scalar(beta2),
                lr=_scalar(group["lr"]),
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )
            _bump_versions(params)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p ← p·(1 − lr·wd)
    before the Adam step, instead of adding wd·p to the gradient."""

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
