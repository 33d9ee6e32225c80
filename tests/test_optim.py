"""Optimizers vs PyTorch: 50 training steps of a small network from identical weights.

Every case trains the chainrule network and its PyTorch twin (``optimpair.Twin``) with the
same data, loss, ``backward()`` and ``step()``, then compares all parameters (rtol 1e-5 in
float32). The twin has a layer the forward never uses: its parameters have no gradient and
must not move.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import chainrule
from optimpair import Twin

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]

# (optimizer, constructor kwargs, per-group hyperparameters or None, maximize the -loss)
CASES = [
    ("SGD", {"lr": 0.05}, None, False),
    ("SGD", {"lr": 0.02, "momentum": 0.9}, None, False),
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}, None, False),
    (
        "SGD",
        {"lr": 0.02, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1, "maximize": True},
        None,
        True,
    ),
    ("SGD", {"lr": 0.05}, ({}, {"lr": 0.01, "momentum": 0.9}), False),
    ("Adam", {"lr": 0.01}, None, False),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}, None, False),
    ("Adam", {"lr": 0.01, "betas": (0.5, 0.9), "maximize": True}, None, True),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, None, False),
    ("Adam", {}, ({"lr": 0.01, "amsgrad": True}, {"lr": 0.003, "betas": (0.8, 0.99)}), False),
    ("AdamW", {"lr": 0.01}, None, False),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}, None, True),
    ("AdamW", {}, ({"lr": 0.01}, {"lr": 0.005, "weight_decay": 0.0}), False),
    ("RMSprop", {"lr": 0.003}, None, False),
    ("RMSprop", {"lr": 0.003, "centered": True}, None, False),
    (
        "RMSprop",
        {"lr": 0.003, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
        None,
        False,
    ),
    ("RMSprop", {"lr": 0.003, "alpha": 0.9, "momentum": 0.3, "maximize": True}, None, True),
    ("RMSprop", {}, ({"lr": 0.003, "centered": True}, {"lr": 0.001, "momentum": 0.5}), False),
    ("Adagrad", {"lr": 0.1}, None, False),
    (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.1},
        None,
        False,
    ),
    ("Adagrad", {"lr": 0.05, "maximize": True}, None, True),
    ("Adagrad", {}, ({"lr": 0.1}, {"lr": 0.05, "lr_decay": 0.05}), False),
    ("Adadelta", {}, None, False),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}, None, False),
    ("Adadelta", {"lr": 0.5, "eps": 1e-4, "maximize": True}, None, True),
    ("Adadelta", {}, ({"lr": 1.0}, {"lr": 0.5, "rho": 0.95}), False),
    ("Adamax", {}, None, False),
    ("Adamax", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.01}, None, False),
    ("Adamax", {"maximize": True}, None, True),
    ("Adamax", {}, ({"lr": 0.01}, {"lr": 0.002, "betas": (0.8, 0.99)}), False),
    ("NAdam", {}, None, False),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, None, False),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.01}, None, False),
    ("NAdam", {"maximize": True}, None, True),
    ("NAdam", {}, ({"lr": 0.01}, {"lr": 0.002, "betas": (0.8, 0.99)}), False),
    ("RAdam", {"lr": 0.01}, None, False),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, None, False),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "betas": (0.5, 0.9)}, None, False),
    ("RAdam", {"lr": 0.01, "maximize": True}, None, True),
    ("RAdam", {}, ({"lr": 0.01}, {"lr": 0.002, "betas": (0.8, 0.99)}), False),
]


def _case_id(case) -> str:
    name, kwargs, groups, _ = case
    text = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{name}({text}{',groups' if groups else ''})"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fifty_steps_match_torch_float32(case):
    name, kwargs, groups, maximize = case
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers(name, kwargs, groups)
    twin.train(c_opt, t_opt, 50, maximize)
    twin.assert_params_match(rtol=1e-5, atol=1e-6)


# In float64 the two libraries' forward passes agree to ~1e-16, so even settings whose
# float32 trajectories are chaotic (weight decay holding a coordinate where its gradient
# changes sign) match tightly.
FLOAT64_CASES = [
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.003, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "betas": (0.5, 0.9)}),
]


@pytest.mark.parametrize("name,kwargs", FLOAT64_CASES, ids=[c[0] for c in FLOAT64_CASES])
def test_fifty_steps_match_torch_float64(name, kwargs):
    twin = Twin("float64")
    c_opt, t_opt = twin.optimizers(name, kwargs)
    twin.train(c_opt, t_opt, 50)
    twin.assert_params_match(rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_closure_is_evaluated_with_grad_and_its_loss_returned(name):
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers(name, {"lr": 0.01})
    c_losses, t_losses = [], []
    for opt, net, losses, module in (
        (c_opt, twin.c_net, c_losses, chainrule),
        (t_opt, twin.t_net, t_losses, torch),
    ):
        x, y = module.tensor(twin.x), module.tensor(twin.y)

        def closure(opt=opt, net=net, x=x, y=y):
            opt.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(5):
            with module.no_grad():  # the closure must still record its graph
                losses.append(float(opt.step(closure)))
    np.testing.assert_allclose(c_losses, t_losses, rtol=1e-5)
    twin.assert_params_match()
    assert c_opt.step() is None


@pytest.mark.parametrize("name", NAMES)
def test_step_records_no_graph_and_bumps_versions(name):
    twin = Twin("float32")
    c_opt, _ = twin.optimizers(name, {"lr": 0.01})
    twin.train_one("c", c_opt, 1)
    for p in twin.c_net.parameters():
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    before = [p._version_value for p in twin.c_net.parameters()]
    twin.train_one("c", c_opt, 1)
    after = [p._version_value for p in twin.c_net.parameters()]
    assert all(a > b for a, b in zip(after, before))
    for state in c_opt.state.values():
        for value in state.values():
            assert value.grad_fn is None and not value.requires_grad


def test_zero_grad_set_to_none_and_in_place():
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("SGD", {"lr": 0.1})
    for lib, opt, net in (("c", c_opt, twin.c_net), ("t", t_opt, twin.t_net)):
        module = chainrule if lib == "c" else torch
        ((net(module.tensor(twin.x)) - module.tensor(twin.y)) ** 2).mean().backward()
        grad = net[0].weight.grad
        opt.zero_grad(set_to_none=False)
        assert net[0].weight.grad is grad  # zeroed in place
        assert not grad.detach().numpy().any()
        opt.zero_grad()
        assert net[0].weight.grad is None


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_defaults_match_torch(name):
    c_cls, t_cls = getattr(chainrule.optim, name), getattr(torch.optim, name)
    c_sig, t_sig = inspect.signature(c_cls), inspect.signature(t_cls)
    assert [(p.name, p.kind, p.default) for p in c_sig.parameters.values()] == [
        (p.name, p.kind, p.default) for p in t_sig.parameters.values()
    ]
    c_p, t_p = chainrule.nn.Parameter(chainrule.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    c_opt, t_opt = c_cls([c_p]), t_cls([t_p])
    assert c_opt.defaults == t_opt.defaults
    assert list(c_opt.defaults) == list(t_opt.defaults)
    assert repr(c_opt) == repr(t_opt)


def test_optimizers_and_scheduler_module_are_exposed():
    for name in [*NAMES, "Optimizer", "lr_scheduler"]:
        assert name in chainrule.optim.__all__
        assert hasattr(chainrule.optim, name)
    assert issubclass(chainrule.optim.Adam, chainrule.optim.Optimizer)
    assert chainrule.optim.lr_scheduler.StepLR is not None


def test_param_groups_take_defaults_and_add_param_group():
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("Adam", {"lr": 0.01}, ({"lr": 0.1}, {"eps": 1e-6}))
    c_groups = [{k: v for k, v in g.items() if k != "params"} for g in c_opt.param_groups]
    t_groups = [{k: v for k, v in g.items() if k != "params"} for g in t_opt.param_groups]
    assert c_groups == t_groups
    assert c_groups[0]["lr"] == 0.1 and c_groups[1]["lr"] == 0.01
    extra = chainrule.nn.Parameter(chainrule.zeros(3))
    t_extra = torch.nn.Parameter(torch.zeros(3))
    c_opt.add_param_group({"params": extra, "lr": 0.5})
    t_opt.add_param_group({"params": t_extra, "lr": 0.5})
    assert c_opt.param_groups[2]["params"] == [extra]
    assert {k: v for k, v in c_opt.param_groups[2].items() if k != "params"} == {
        k: v for k, v in t_opt.param_groups[2].items() if k != "params"
    }
    assert repr(c_opt) == repr(t_opt)


def test_named_parameters_are_accepted_like_torch():
    twin = Twin("float32")
    c_opt = chainrule.optim.SGD(twin.c_net.named_parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(twin.t_net.named_parameters(), lr=0.1, momentum=0.9)
    assert c_opt.param_groups[0]["param_names"] == t_opt.param_groups[0]["param_names"]
    twin.train(c_opt, t_opt, 3)
    twin.assert_params_match()
    c_sd, t_sd = c_opt.state_dict(), t_opt.state_dict()
    assert c_sd["param_groups"] == t_sd["param_groups"]


def test_a_parameter_without_grad_gets_no_state():
    twin = Twin("float32")
    for name in NAMES:
        c_opt, t_opt = twin.optimizers(name, {"lr": 0.001})
        twin.train(c_opt, t_opt, 1)
        # Adagrad creates every parameter's state up front; the others only on an update
        assert sorted(c_opt.state_dict()["state"]) == sorted(t_opt.state_dict()["state"]), name
    twin.assert_params_match()


def _plain_sgd_class(lib):
    """A user's optimizer written the PyTorch way: in-place tensor updates under no_grad."""

    class PlainSGD(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            loss = None if closure is None else closure()
            with lib.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-group["lr"])
                            self.state[p]["visits"] = self.state[p].get("visits", 0) + 1
            return loss

    return PlainSGD


def test_a_user_defined_optimizer_subclass_works_like_torch():
    twin = Twin("float32")
    c_opt = _plain_sgd_class(chainrule)(twin.params("c"), lr=0.05)
    t_opt = _plain_sgd_class(torch)(twin.params("t"), lr=0.05)
    twin.train(c_opt, t_opt, 20)
    twin.assert_params_match()
    assert c_opt.state_dict() == t_opt.state_dict()
