"""Optimizer state_dict: PyTorch's layout, and a save/restore mid-run that changes nothing.

After 25 training steps the chainrule optimizer's state_dict is loaded into a fresh
optimizer, which trains 25 more steps; the parameters must equal those of an uninterrupted
50-step PyTorch run.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from optimpair import Twin

# one configuration per optimizer, with two param groups and the state they can grow
STATE_CASES = [
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}, ({}, {"lr": 0.01})),
    ("Adam", {"lr": 0.01, "amsgrad": True}, ({}, {"lr": 0.003})),
    ("AdamW", {"lr": 0.01}, ({}, {"weight_decay": 0.1})),
    ("RMSprop", {"lr": 0.003, "momentum": 0.5, "centered": True}, ({}, {"lr": 0.001})),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}, ({}, {"lr": 0.05})),
    ("Adadelta", {}, ({}, {"rho": 0.95})),
    ("Adamax", {}, ({}, {"lr": 0.01})),
    ("NAdam", {}, ({}, {"lr": 0.01})),
    ("RAdam", {"lr": 0.01}, ({}, {"lr": 0.002})),
]
IDS = [case[0] for case in STATE_CASES]


def _assert_state_dicts_equal(c_sd, t_sd) -> None:
    """Same keys, same groups (hyperparameters and 'params' indices), same state entries:
    chainrule tensors with torch's shapes, dtypes and (within float32 rounding) values."""
    assert list(c_sd) == list(t_sd) == ["state", "param_groups"]
    assert c_sd["param_groups"] == t_sd["param_groups"]
    assert list(c_sd["state"]) == list(t_sd["state"])
    for index, t_state in t_sd["state"].items():
        c_state = c_sd["state"][index]
        assert list(c_state) == list(t_state), index
        for key, t_value in t_state.items():
            c_value = c_state[key]
            assert isinstance(c_value, chainrule.Tensor), (index, key)
            assert tuple(c_value.shape) == tuple(t_value.shape), (index, key)
            assert str(c_value.dtype).split(".")[1] == str(t_value.dtype).split(".")[1]
            np.testing.assert_allclose(
                c_value.numpy(), t_value.numpy(), rtol=1e-4, atol=1e-6, err_msg=f"{index}.{key}"
            )


@pytest.mark.parametrize("name,kwargs,groups", STATE_CASES, ids=IDS)
def test_state_dict_layout_equals_torch(name, kwargs, groups):
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers(name, kwargs, groups)
    twin.train(c_opt, t_opt, 25)
    c_sd, t_sd = c_opt.state_dict(), t_opt.state_dict()
    _assert_state_dicts_equal(c_sd, t_sd)
    steps = set()
    for state in c_sd["state"].values():
        if "step" in state:  # PyTorch 2 keeps the step as a 0-d float32 tensor
            assert state["step"].shape == () and state["step"].dtype == chainrule.float32
            steps.add(float(state["step"]))
    # 25 updates, or none for the unused layer where the state exists (Adagrad's, up front)
    assert steps <= {0.0, 25.0} and (name == "SGD" or 25.0 in steps)


@pytest.mark.parametrize("name,kwargs,groups", STATE_CASES, ids=IDS)
def test_save_restore_mid_run_equals_uninterrupted_torch(name, kwargs, groups):
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers(name, kwargs, groups)
    twin.train_one("t", t_opt, 50)
    twin.train_one("c", c_opt, 25)
    saved = c_opt.state_dict()
    fresh, _ = twin.optimizers(name, {"lr": 0.123}, ({"lr": 0.5}, {}))  # other hyperparameters
    fresh.load_state_dict(saved)
    assert [g["lr"] for g in fresh.param_groups] == [g["lr"] for g in c_opt.param_groups]
    assert fresh.param_groups[0]["params"] is not c_opt.param_groups[0]["params"]
    twin.train_one("c", fresh, 25)
    twin.assert_params_match()


def test_load_state_dict_from_torch_layout_with_json_style_keys():
    """A state dict that went through JSON (string indices, betas as a list, the step as a
    number) still loads."""
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("Adam", {"lr": 0.01})
    twin.train(c_opt, t_opt, 10)
    sd = c_opt.state_dict()
    jsonish = {
        "state": {str(k): {**v, "step": float(v["step"])} for k, v in sd["state"].items()},
        "param_groups": [{**g, "betas": list(g["betas"])} for g in sd["param_groups"]],
    }
    fresh, _ = twin.optimizers("Adam", {"lr": 0.5})
    fresh.load_state_dict(jsonish)
    assert fresh.param_groups[0]["betas"] == (0.9, 0.999)
    step = next(iter(fresh.state.values()))["step"]
    assert isinstance(step, chainrule.Tensor) and step.dtype == chainrule.float32
    twin.train_one("c", fresh, 15)
    twin.train_one("t", t_opt, 15)
    twin.assert_params_match()


def test_loaded_state_is_cast_to_the_parameter_dtype_but_step_is_not():
    twin32, twin64 = Twin("float32"), Twin("float64")
    c32, t32 = twin32.optimizers("Adam", {"lr": 0.01})
    twin32.train(c32, t32, 3)
    c64, t64 = twin64.optimizers("Adam", {"lr": 0.01})
    c64.load_state_dict(c32.state_dict())
    t64.load_state_dict(t32.state_dict())
    for c_state, t_state in zip(c64.state.values(), t64.state.values()):
        for key in ("step", "exp_avg", "exp_avg_sq"):
            assert str(c_state[key].dtype).split(".")[1] == str(t_state[key].dtype).split(".")[1]
    state = next(iter(c64.state.values()))
    assert state["exp_avg"].dtype == chainrule.float64 and state["step"].dtype == chainrule.float32
    twin64.train(c64, t64, 5)
    twin64.assert_params_match()


def test_step_dtype_follows_a_float64_default_dtype():
    previous = chainrule.get_default_dtype()
    chainrule.set_default_dtype(chainrule.float64)
    try:
        p = chainrule.nn.Parameter(chainrule.ones(2))
        opt = chainrule.optim.Adam([p])
        p.grad = chainrule.ones(2)
        opt.step()
        assert opt.state[p]["step"].dtype == chainrule.float64
    finally:
        chainrule.set_default_dtype(previous)


def test_state_dict_shares_state_tensors_and_load_keeps_matching_ones_like_torch():
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("SGD", {"lr": 0.1, "momentum": 0.9})
    twin.train(c_opt, t_opt, 2)
    c_sd, t_sd = c_opt.state_dict(), t_opt.state_dict()
    first = next(iter(c_opt.state.values()))
    assert c_sd["state"][0] is first  # not a copy, as in torch
    assert (t_sd["state"][0] is next(iter(t_opt.state.values()))) is True
    fresh, t_fresh = twin.optimizers("SGD", {"lr": 0.1, "momentum": 0.9})
    fresh.load_state_dict(c_sd)
    t_fresh.load_state_dict(t_sd)
    c_same = next(iter(fresh.state.values()))["momentum_buffer"] is first["momentum_buffer"]
    t_first = next(iter(t_opt.state.values()))["momentum_buffer"]
    t_same = next(iter(t_fresh.state.values()))["momentum_buffer"] is t_first
    assert c_same == t_same


@pytest.mark.parametrize(
    "groups,message",
    [
        (1, "loaded state dict has a different number of parameter groups"),
        (
            "sizes",
            "loaded state dict contains a parameter group that doesn't match the size of "
            "optimizer's group",
        ),
    ],
)
def test_load_state_dict_mismatch_errors_match_torch(groups, message):
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("Adam", {"lr": 0.01}, ({}, {}))
    twin.train(c_opt, t_opt, 1)
    if groups == 1:
        c_other = chainrule.optim.Adam(twin.params("c"))
        t_other = torch.optim.Adam(twin.params("t"))
    else:
        c_params, t_params = twin.params("c"), twin.params("t")
        c_other = chainrule.optim.Adam([{"params": c_params[:1]}, {"params": c_params[1:]}])
        t_other = torch.optim.Adam([{"params": t_params[:1]}, {"params": t_params[1:]}])
    with pytest.raises(ValueError) as t_err:
        t_other.load_state_dict(t_opt.state_dict())
    with pytest.raises(ValueError) as c_err:
        c_other.load_state_dict(c_opt.state_dict())
    assert str(c_err.value) == str(t_err.value) == message


def test_checkpoint_file_round_trip_mid_run(tmp_path):
    """Optimizer and scheduler state through chainrule.save / chainrule.load."""
    twin = Twin("float32")
    c_opt, t_opt = twin.optimizers("Adam", {"lr": 0.01, "amsgrad": True})
    c_sched = chainrule.optim.lr_scheduler.StepLR(c_opt, step_size=10, gamma=0.5)
    t_sched = torch.optim.lr_scheduler.StepLR(t_opt, step_size=10, gamma=0.5)
    for lib, opt, sched in (("c", c_opt, c_sched), ("t", t_opt, t_sched)):
        for _ in range(50 if lib == "t" else 25):
            twin.train_one(lib, opt, 1)
            sched.step()
    path = tmp_path / "optim.ckpt"
    chainrule.save({"optimizer": c_opt.state_dict(), "scheduler": c_sched.state_dict()}, path)
    checkpoint = chainrule.load(path)
    fresh, _ = twin.optimizers("Adam", {"lr": 0.01, "amsgrad": True})
    fresh_sched = chainrule.optim.lr_scheduler.StepLR(fresh, step_size=10, gamma=0.5)
    fresh.load_state_dict(checkpoint["optimizer"])
    fresh_sched.load_state_dict(checkpoint["scheduler"])
    for _ in range(25):
        twin.train_one("c", fresh, 1)
        fresh_sched.step()
    assert fresh_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12)
    twin.assert_params_match()
