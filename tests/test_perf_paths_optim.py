"""The fast paths of issue 6 in the optimizers give the numbers of the general paths.

- Adam's flat update (``_functional_flat.adam_flat``: one group's moments in two flat arrays)
  equals the per-parameter update (``foreach=False``) bit for bit, through weight decay,
  maximize, AdamW, float64, a parameter that skips steps and a state dict loaded mid-run;
  the state tensors stay per parameter and keep tracking the update.
- SGD updates a large parameter piece by piece (``_functional._sub_scaled_``) with the
  numbers of ``p -= lr * d``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from chainrule.optim import _functional
from optimpair import Twin


def _model(seed=0, dtype=None):
    chainrule.manual_seed(seed)
    nn = chainrule.nn
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    return model.double() if dtype == "float64" else model


def _train(model, opt, steps, skip_last_every=0, reload_at=None):
    """``steps`` of MSE regression; the last layer's bias gets no gradient every
    ``skip_last_every`` steps (its update is skipped); at step ``reload_at`` the optimizer's
    state goes through a state_dict into a fresh optimizer of the same kind."""
    rng = np.random.default_rng(1)
    dtype = model[0].weight.detach().numpy().dtype
    x = chainrule.tensor(rng.standard_normal((16, 5)).astype(dtype))
    y = chainrule.tensor(rng.standard_normal((16, 3)).astype(dtype))
    for step in range(steps):
        if reload_at == step:
            fresh = type(opt)(model.parameters(), **opt.defaults)
            fresh.load_state_dict(opt.state_dict())
            opt = fresh
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        if skip_last_every and step % skip_last_every == 0:
            model[2].bias.grad = None
        opt.step()
    return opt


def _params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


CASES = [
    ("Adam", {"lr": 0.01}, {}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}, {}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, {}),
    ("AdamW", {"lr": 0.02, "betas": (0.6, 0.95)}, {}),
    ("Adam", {"lr": 0.01}, {"skip_last_every": 3}),
    ("Adam", {"lr": 0.01}, {"reload_at": 7}),
    ("AdamW", {"lr": 0.01}, {"dtype": "float64"}),
]


@pytest.mark.parametrize("name,kwargs,how", CASES, ids=str)
def test_flat_adam_equals_the_per_parameter_update_bit_for_bit(name, kwargs, how):
    how = dict(how)
    dtype = how.pop("dtype", None)
    results = []
    for foreach in (None, False):
        model = _model(dtype=dtype)
        opt = getattr(chainrule.optim, name)(model.parameters(), foreach=foreach, **kwargs)
        opt = _train(model, opt, 15, **how)
        results.append((_params(model), opt.state_dict()["state"]))
    (flat_params, flat_state), (plain_params, plain_state) = results
    for a, b in zip(flat_params, plain_params):
        np.testing.assert_array_equal(a, b)
    assert flat_state.keys() == plain_state.keys()
    for i in flat_state:
        for key in ("exp_avg", "exp_avg_sq", "step"):
            np.testing.assert_array_equal(flat_state[i][key].numpy(), plain_state[i][key].numpy())


def test_flat_path_is_taken_and_state_tensors_track_it():
    model = _model()
    opt = chainrule.optim.Adam(model.parameters(), lr=0.01)
    opt = _train(model, opt, 2)
    assert 0 in opt._flat_plans  # the group runs the flat update
    held = opt.state_dict()["state"][0]["exp_avg"]
    before = held.numpy().copy()
    _train(model, opt, 1)
    # a state tensor handed out earlier is the optimizer's own, as in PyTorch: it moved
    assert not np.array_equal(held.numpy(), before)
    assert held is opt.state[model[0].weight]["exp_avg"]
    assert held.shape == model[0].weight.shape and opt.state[model[0].weight]["step"].shape == ()


def test_flat_adam_matches_torch_with_a_parameter_that_never_gets_a_gradient():
    twin = Twin()  # one of its layers is never used: those parameters have no gradient
    c_opt, t_opt = twin.optimizers("Adam", {"lr": 0.01})
    twin.train(c_opt, t_opt, 30)
    assert 0 in c_opt._flat_plans
    for c, t in zip(twin.params("c"), twin.params("t")):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_parameters_at_different_steps_take_the_per_parameter_update_like_torch():
    # b joins the loss late (no gradient in the first steps), so its step count lags w's:
    # each parameter's update must use its own step
    results = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        w = lib.nn.Parameter(lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3).astype("float32")))
        b = lib.nn.Parameter(lib.tensor(np.array([0.5, -0.5], "float32")))
        opt = lib.optim.Adam([w, b], lr=0.05)
        for step in range(6):
            opt.zero_grad()
            loss = ((w.sum(1) + (b if step >= 2 else 0)) ** 2).sum()
            loss.backward()
            opt.step()
        results.append([w.detach().numpy(), b.detach().numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [10, (1 << 16) * 3 + 123])
def test_sgd_piecewise_update_equals_the_plain_one(dtype, size):
    rng = np.random.default_rng(0)
    p = rng.standard_normal(size).astype(dtype).reshape(-1, 1 if size == 10 else 3)
    d = rng.standard_normal(p.shape).astype(dtype)
    expected = p.copy()
    expected -= 0.0123 * d
    _functional._sub_scaled_(p, 0.0123, d)
    np.testing.assert_array_equal(p, expected)
    # a gradient that is not C-contiguous takes the plain form, with the same numbers
    q, e = p.copy(order="F"), p.copy()
    _functional._sub_scaled_(q, 0.5, np.asfortranarray(d))
    e -= 0.5 * d
    np.testing.assert_array_equal(q, e)


def test_sgd_on_a_large_parameter_matches_torch():
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((300, 400)).astype("float32") * 0.05
    x = rng.standard_normal((8, 400)).astype("float32")
    results = []
    for lib in (chainrule, torch):
        w = lib.nn.Parameter(lib.tensor(w0))
        opt = lib.optim.SGD([w], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (lib.tensor(x) @ w.t()).tanh().sum().backward()
            opt.step()
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_graph_that_saved_a_parameter_refuses_backward_after_a_step_like_torch(name):
    # the step bumps every parameter's version with one global write: a value saved
    # before it is stale, and backward must say so
    for lib in (chainrule, torch):
        w = lib.nn.Parameter(lib.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3)))
        v = lib.nn.Parameter(lib.tensor(np.linspace(0.5, 1.5, 3)))
        opt = getattr(lib.optim, name)([v, w], lr=0.1)
        ((w * v).sum() + (v * v).sum()).backward()
        y = (w * w).sum()  # saves w
        opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_plain_sgd_step_is_p_minus_lr_times_grad_bit_for_bit(dtype):
    """lr enters as a 0-d array of the parameter's dtype (ops/_consts): the numbers of
    ``p - lr * g`` with the Python float, for every parameter of a mixed-dtype group."""
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal((3, 4)).astype(dtype)
    g0 = rng.standard_normal((3, 4)).astype(dtype)
    o0 = rng.standard_normal(5)  # float64: a second dtype in the same group
    p, other = (
        chainrule.nn.Parameter(chainrule.tensor(p0)),
        chainrule.nn.Parameter(chainrule.tensor(o0)),
    )
    p.grad, other.grad = chainrule.tensor(g0), chainrule.ones(5, dtype=chainrule.float64)
    chainrule.optim.SGD([p, other], lr=0.0123).step()
    assert p.dtype == getattr(chainrule, dtype)
    np.testing.assert_array_equal(p.detach().numpy(), p0 - 0.0123 * g0)
    np.testing.assert_array_equal(other.detach().numpy(), o0 - 0.0123 * np.ones(5))
