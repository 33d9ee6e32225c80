"""Train a chainrule model and its PyTorch twin side by side, from identical weights.

``Twin(dtype)`` builds the same small network in both libraries (``Linear -> Tanh ->
Linear``, plus a ``Linear`` that the forward never uses, so its parameters get no gradient),
copies PyTorch's initial weights into chainrule through ``load_state_dict``, and holds one
regression data set. ``twin.train(c_opt, t_opt, steps)`` runs the same loop in both: zero
the gradients, forward, MSE loss, ``backward()``, ``step()``.
"""

from __future__ import annotations

import numpy as np
import torch

import chainrule
from nnpair import assert_close, copy_weights


def _build(lib):
    net = lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.Tanh(), lib.nn.Linear(16, 3))
    unused = lib.nn.Linear(3, 3)
    return net, unused


class Twin:
    """The chainrule network (``c_*``) and its PyTorch twin (``t_*``)."""

    def __init__(self, dtype: str = "float32", seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.t_net, self.t_unused = _build(torch)
        self.c_net, self.c_unused = _build(chainrule)
        copy_weights(self.c_net, self.t_net)
        copy_weights(self.c_unused, self.t_unused)
        if dtype == "float64":
            for m in (self.t_net, self.t_unused, self.c_net, self.c_unused):
                m.double()
        self.unused_before = [p.detach().numpy().copy() for p in self.t_unused.parameters()]
        # A teacher network's outputs, shifted away from zero so that no gradient starts
        # near zero (where adaptive methods turn rounding noise into full-size steps).
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((32, 6))
        y = np.tanh(x @ rng.standard_normal((6, 5))) @ rng.standard_normal((5, 3)) + 0.5
        self.x = x.astype(dtype)
        self.y = y.astype(dtype)

    def params(self, lib: str, groups=None):
        """The parameters to optimise: one flat list, or, with ``groups`` (two dicts of
        hyperparameters), two param groups: the first layer, then the last layer and the
        unused one."""
        net, unused = (self.c_net, self.c_unused) if lib == "c" else (self.t_net, self.t_unused)
        if groups is None:
            return [*net.parameters(), *unused.parameters()]
        first, second = groups
        return [
            {"params": list(net[0].parameters()), **first},
            {"params": [*net[2].parameters(), *unused.parameters()], **second},
        ]

    def optimizers(self, name: str, kwargs=None, groups=None):
        """The chainrule and torch optimizers ``name`` over the twin parameters."""
        kwargs = kwargs or {}
        c_opt = getattr(chainrule.optim, name)(self.params("c", groups), **kwargs)
        t_opt = getattr(torch.optim, name)(self.params("t", groups), **kwargs)
        return c_opt, t_opt

    def _loss(self, lib, net, maximize):
        x, y = lib.tensor(self.x), lib.tensor(self.y)
        loss = ((net(x) - y) ** 2).mean()
        return -loss if maximize else loss

    def train_one(self, lib: str, opt, steps: int, maximize: bool = False, closure=False):
        net = self.c_net if lib == "c" else self.t_net
        module = chainrule if lib == "c" else torch
        for _ in range(steps):
            if closure:

                def evaluate():
                    opt.zero_grad()
                    loss = self._loss(module, net, maximize)
                    loss.backward()
                    return loss

                opt.step(evaluate)
            else:
                opt.zero_grad()
                self._loss(module, net, maximize).backward()
                opt.step()

    def train(self, c_opt, t_opt, steps: int, maximize: bool = False) -> None:
        self.train_one("c", c_opt, steps, maximize)
        self.train_one("t", t_opt, steps, maximize)

    def assert_params_match(self, rtol=1e-5, atol=1e-6) -> None:
        """Every parameter equals its twin's; the unused layer has not moved."""
        c_params = dict(self.c_net.named_parameters())
        for name, tp in self.t_net.named_parameters():
            assert_close(c_params[name], tp, rtol, atol, what=f"parameter {name}")
        for cp, tp, before in zip(
            self.c_unused.parameters(), self.t_unused.parameters(), self.unused_before
        ):
            assert cp.grad is None and tp.grad is None
            np.testing.assert_array_equal(cp.detach().numpy(), before)
            np.testing.assert_array_equal(tp.detach().numpy(), before)
