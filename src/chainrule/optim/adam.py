"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import _functional as F
from ._functional_flat import adam_flat
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
        for index, group in enumerate(self.param_groups):
            params = self._with_grad(group)
            states = [self._state_for(p, group) for p in params]
            amsgrad = group["amsgrad"]
            beta1, beta2 = group["betas"]
            hyper = {
                "beta1": _scalar(beta1),
                "beta2": _scalar(beta2),
                "lr": _scalar(group["lr"]),
                "weight_decay": group["weight_decay"],
                "eps": group["eps"],
                "maximize": group["maximize"],
                "decoupled_weight_decay": group["decoupled_weight_decay"],
            }
            flat = self._flat_state(index, group, params, states)
            if flat is not None:
                exp_avg, exp_avg_sq, steps = flat
                steps += 1  # every parameter's step counter, in one call
                adam_flat(
                    _arrays(params), _grads(params), exp_avg, exp_avg_sq, float(steps[0]), **hyper
                )
            else:
                F.adam(
                    _arrays(params),
                    _grads(params),
                    [s["exp_avg"]._data for s in states],
                    [s["exp_avg_sq"]._data for s in states],
                    [s["max_exp_avg_sq"]._data for s in states] if amsgrad else [],
                    [s["step"]._data for s in states],
                    amsgrad=amsgrad,
                    **hyper,
                )
            _bump_versions(params)
        return loss

    def _flat_state(self, index: int, group: dict, params: list, states: list):
        """The group's state as flat arrays (``exp_avg``, ``exp_avg_sq`` and the step
        counters) for ``_functional_flat.adam_flat``, or None when the per-parameter update must
        run instead.

        The flat form serves small models, where the cost of a step is the number of NumPy
        calls: one group of at most ``_FLAT_LIMIT`` elements of one floating dtype, no
        amsgrad, ``foreach`` not False, and every parameter at the same step. Each state
        tensor then holds a view of the flat arrays, so the state and its ``state_dict``
        stay per parameter, as in PyTorch. The layout is kept while the parameters with a
        gradient and the state tensors' arrays stay the same objects; otherwise (a parameter
        without a gradient this step, a loaded state dict) it is built again from the
        current values.
        """
        if group["foreach"] is False or group["amsgrad"] or not params:
            return None
        plans = self.__dict__.setdefault("_flat_plans", {})
        plan = plans.get(index)
        if plan is not None and _plan_holds(plan, params, states):
            steps = plan[1][2]
            return plan[1] if steps.min() == steps.max() else None
        first = float(states[0]["step"]._data)
        if any(float(s["step"]._data) != first for s in states):
            return None
        plan = _flat_plan(params, states)
        if plan is None:
            plans.pop(index, None)
            return None
        plans[index] = plan
        return plan[1]


# Groups up to this many elements get the flat update (4 MB per float32 moment buffer): past
# that, the arithmetic dominates and one call per parameter costs nothing measurable.
_FLAT_LIMIT = 1 << 20
_FLAT_KEYS = ("exp_avg", "exp_avg_sq", "step")


def _plan_holds(plan: tuple, params: list, states: list) -> bool:
    """Whether the flat layout ``plan`` still describes these parameters and state."""
    held, _, views = plan
    if len(held) != len(params):
        return False
    for p, q, state, (m, v, step) in zip(params, held, states, views):
        if p is not q or p._data.shape != m.shape or p._grad._data.dtype != m.dtype:
            return False
        if (
            state["exp_avg"]._data is not m
            or state["exp_avg_sq"]._data is not v
            or state["step"]._data is not step
        ):
            return False
    return True


def _flat_plan(params: list, states: list):
    """Move the state of ``params`` into flat arrays and point each state tensor at its
    part: ``(params, (exp_avg, exp_avg_sq, steps), [(m, v, step) views per parameter])``,
    or None when the group does not qualify (see ``Adam._flat_state``)."""
    dtype = params[0]._data.dtype
    if dtype.kind != "f" or sum(p._data.size for p in params) > _FLAT_LIMIT:
        return None
    step_dtype = states[0]["step"]._data.dtype
    for p, state in zip(params, states):
        arrays = (p._data, p._grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
        if any(a.dtype != dtype for a in arrays) or any(
            a.shape != p._data.shape for a in arrays[2:]
        ):
            return None
        if state["step"]._data.shape != () or state["step"]._data.dtype != step_dtype:
            return None
    flat = tuple(np.concatenate([s[key]._data for s in states], axis=None) for key in _FLAT_KEYS)
    views = []
    start = 0
    for i, (p, state) in enumerate(zip(params, states)):
        end = start + p._data.size
        parts = (
            flat[0][start:end].reshape(p._data.shape),
            flat[1][start:end].reshape(p._data.shape),
            flat[2][i : i + 1].reshape(()),
        )
        for key, part in zip(_FLAT_KEYS, parts):
            state[key]._data = part
        views.append(parts)
        start = end
    return tuple(params), flat, views


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
