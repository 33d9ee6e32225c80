"""Learning-rate schedules vs PyTorch: 50 epochs of get_last_lr() from twin optimizers.

Each case builds an optimizer with two param groups (different rates) in both libraries,
then alternates ``optimizer.step()`` and ``scheduler.step()`` 50 times, recording the rates
(and the momentum or betas the schedule may cycle) after every step.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule


def _decay(epoch):
    return 0.9**epoch


def _halve_every_ten(epoch):
    return 0.5 ** (epoch // 10)


def _shrink(epoch):
    return 0.97


def _make_optimizer(lib, name="SGD", **kwargs):
    """Two groups (lr 0.1 and 0.05) over two small parameters; returns (optimizer, params)."""
    first = lib.nn.Parameter(lib.tensor([1.0, -2.0, 3.0]))
    second = lib.nn.Parameter(lib.tensor([0.5, 0.25]))
    groups = [{"params": [first]}, {"params": [second], "lr": 0.05}]
    return getattr(lib.optim, name)(groups, lr=0.1, **kwargs), [first, second]


def _set_grads(lib, params, epoch):
    for p in params:
        p.grad = lib.full(tuple(p.shape), 0.1 * (epoch % 7) - 0.3)


def _momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


def _run(lib, build, steps=50, name="SGD", opt_kwargs=None, metrics=None, start=None):
    """The rates and momenta after each step, and the final parameters. ``start`` optionally
    replaces the first steps by loading state dicts (see the round-trip test)."""
    opt_kwargs = {"momentum": 0.9} if opt_kwargs is None else opt_kwargs
    opt, params = _make_optimizer(lib, name, **opt_kwargs)
    sched = build(lib.optim.lr_scheduler, opt)
    rates, momenta = [list(sched.get_last_lr())], [_momenta(opt)]
    for epoch in range(steps):
        _set_grads(lib, params, epoch)
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        rates.append(list(sched.get_last_lr()))
        momenta.append(_momenta(opt))
        assert rates[-1] == [g["lr"] for g in opt.param_groups]
    return rates, momenta, [p.detach().numpy() for p in params], opt, sched


SCHEDULES = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.95),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR-no-eta": lambda S, o: S.CosineAnnealingLR(o, T_max=7),
    "WarmRestarts-Tmult2": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=1e-3
    ),
    "WarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=6),
    "LambdaLR": lambda S, o: S.LambdaLR(o, _decay),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [_decay, _halve_every_ten]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, _shrink),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
    "LinearLR-default": lambda S, o: S.LinearLR(o),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=6),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=20, power=2.0),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=50),
    "OneCycleLR-linear-3phase": lambda S, o: S.OneCycleLR(
        o, max_lr=0.8, total_steps=60, anneal_strategy="linear", three_phase=True
    ),
    "OneCycleLR-epochs": lambda S, o: S.OneCycleLR(
        o, max_lr=0.3, epochs=5, steps_per_epoch=11, pct_start=0.25, cycle_momentum=False
    ),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, step_size_down=3, mode="triangular2"
    ),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.95
    ),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, 0.9)], [5]
    ),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o,
        [S.ConstantLR(o, 0.5, 10), S.CosineAnnealingLR(o, T_max=10), S.StepLR(o, 4)],
        milestones=[4, 20],
    ),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ExponentialLR(o, 0.95), S.StepLR(o, step_size=5, gamma=0.5)]
    ),
    # the recursive cosine keeps the other schedule's factor; a closed form would drop it
    "ChainedScheduler-cosine": lambda S, o: S.ChainedScheduler(
        [S.CosineAnnealingLR(o, T_max=8, eta_min=0.01), S.ExponentialLR(o, 0.97)]
    ),
    "ChainedScheduler-optimizer": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, 0.25, 4), S.ExponentialLR(o, 0.9)], optimizer=o
    ),
}


@pytest.mark.parametrize("case", list(SCHEDULES))
def test_fifty_steps_match_torch(case):
    c_rates, c_mom, c_params, c_opt, _ = _run(chainrule, SCHEDULES[case])
    t_rates, t_mom, t_params, t_opt, _ = _run(torch, SCHEDULES[case])
    np.testing.assert_allclose(c_rates, t_rates, rtol=1e-12, atol=0)
    np.testing.assert_allclose(c_mom, t_mom, rtol=1e-12)
    for c, t in zip(c_params, t_params):
        np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-6)
    c_keys = [sorted(k for k in g if k != "params") for g in c_opt.param_groups]
    t_keys = [sorted(k for k in g if k != "params") for g in t_opt.param_groups]
    assert c_keys == t_keys  # initial_lr, max_lr, base_momentum, ... recorded as in torch


@pytest.mark.parametrize("case", ["OneCycleLR", "OneCycleLR-linear-3phase", "CyclicLR-exp_range"])
def test_cycling_adam_betas(case):
    kwargs = {"betas": (0.9, 0.99)}
    c_rates, c_mom, *_ = _run(chainrule, SCHEDULES[case], name="Adam", opt_kwargs=kwargs)
    t_rates, t_mom, *_ = _run(torch, SCHEDULES[case], name="Adam", opt_kwargs=kwargs)
    np.testing.assert_allclose(c_rates, t_rates, rtol=1e-12)
    np.testing.assert_allclose(c_mom, t_mom, rtol=1e-12)
    assert len({round(m[0], 6) for m in c_mom}) > 10  # beta1 really moved


def test_one_cycle_momentum_moves_against_the_rate():
    rates, momenta, *_ = _run(chainrule, SCHEDULES["OneCycleLR"])
    peak = int(np.argmax([r[0] for r in rates]))
    assert momenta[0][0] == pytest.approx(0.95) and momenta[peak][0] == pytest.approx(0.85)
    # step 49 is the last of total_steps=50: the rate has annealed to max_lr / 25 / 1e4
    assert rates[peak][0] == pytest.approx(1.0) and rates[49][0] == pytest.approx(4e-6)


PLATEAU = {
    "min-rel": {"patience": 3, "factor": 0.5},
    "min-abs-cooldown": {"patience": 2, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 3},
    "max-rel-min_lr": {"mode": "max", "patience": 1, "factor": 0.3, "min_lr": [0.01, 0.002]},
    "max-abs-eps": {"mode": "max", "threshold_mode": "abs", "patience": 0, "eps": 0.02},
}
# falls, plateaus (with noise under the threshold), falls again, then rises
METRICS = list(
    np.r_[
        np.linspace(2.0, 1.0, 10),
        1.0 - 0.01 * np.sin(np.arange(20)),
        np.linspace(0.98, 0.5, 8),
        np.linspace(0.5, 0.9, 12),
    ]
)


@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_on_plateau_with_scripted_metric(case):
    def build(S, o):
        return S.ReduceLROnPlateau(o, **PLATEAU[case])

    c_rates, *_, c_sched = _run(chainrule, build, metrics=METRICS)
    t_rates, *_, t_sched = _run(torch, build, metrics=[torch.tensor(m) for m in METRICS])
    np.testing.assert_allclose(c_rates, t_rates, rtol=1e-12)
    assert len({tuple(r) for r in c_rates}) > 1  # the rate was reduced at least once
    assert c_sched.state_dict() == t_sched.state_dict()


def test_reduce_on_plateau_accepts_a_chainrule_scalar():
    opt, _ = _make_optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(chainrule.tensor(1.0))
    sched.step(chainrule.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])


ROUND_TRIP = [
    "StepLR",
    "CosineAnnealingLR",
    "WarmRestarts-Tmult2",
    "LambdaLR",
    "OneCycleLR",
    "CyclicLR",
    "SequentialLR",
    "ChainedScheduler",
    "LinearLR",
]


def _sanitize(state):
    """A scheduler state_dict with the functions CyclicLR keeps dropped (compared apart)."""
    return {k: v for k, v in state.items() if k not in ("_scale_fn_ref",)}


@pytest.mark.parametrize("case", ROUND_TRIP)
def test_state_dict_round_trip_mid_run_matches_uninterrupted_torch(case):
    build = SCHEDULES[case]
    t_rates, *_ = _run(torch, build, steps=50)
    # 20 steps, then a fresh optimizer + scheduler restored from the state dicts, 30 more
    c_rates, _, _, opt, sched = _run(chainrule, build, steps=20)
    t_rates_20, _, _, t_opt, t_sched = _run(torch, build, steps=20)
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert _sanitize(sched_state).keys() == _sanitize(t_sched.state_dict()).keys()
    new_opt, params = _make_optimizer(chainrule, momentum=0.9)
    new_sched = build(chainrule.optim.lr_scheduler, new_opt)
    new_opt.load_state_dict(opt_state)
    new_sched.load_state_dict(sched_state)
    for epoch in range(20, 50):
        _set_grads(chainrule, params, epoch)
        new_opt.step()
        new_sched.step()
        c_rates.append(list(new_sched.get_last_lr()))
    np.testing.assert_allclose(c_rates, t_rates, rtol=1e-12)


def test_scheduler_state_dict_equals_torch():
    for case in ["StepLR", "MultiStepLR", "OneCycleLR", "WarmRestarts-Tmult2", "LambdaLR"]:
        *_, c_sched = _run(chainrule, SCHEDULES[case], steps=13)
        *_, t_sched = _run(torch, SCHEDULES[case], steps=13)
        assert c_sched.state_dict() == t_sched.state_dict(), case


def test_step_with_epoch_uses_the_closed_form():
    results = []
    for lib in (chainrule, torch):
        opt, _ = _make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        opt.step()
        rates = []
        for epoch in [4, 9, 2, 7]:
            with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step"):
                sched.step(epoch)
            rates.append(sched.get_last_lr())
        results.append(rates)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_warm_restarts_fractional_epochs():
    results = []
    for lib in (chainrule, torch):
        opt, _ = _make_optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        rates = []
        for epoch in np.arange(0, 20, 0.7):
            sched.step(float(epoch))
            rates.append(sched.get_last_lr() + [sched.T_cur, sched.T_i, sched.last_epoch])
        results.append(rates)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_tensor_learning_rate_is_updated_in_place():
    p = chainrule.nn.Parameter(chainrule.ones(2))
    lr = chainrule.tensor(0.1)
    opt = chainrule.optim.SGD([p], lr=lr)
    sched = chainrule.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    p.grad = chainrule.ones(2)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.05)
    np.testing.assert_allclose(p.detach().numpy(), [0.9, 0.9], rtol=1e-6)


def test_a_user_defined_schedule():
    def build(S, o):
        class Warmup(S.LRScheduler):
            def get_lr(self):
                return [base * min(1.0, (self.last_epoch + 1) / 8) for base in self.base_lrs]

        return Warmup(o)

    c_rates, *_ = _run(chainrule, build, steps=12)
    t_rates, *_ = _run(torch, build, steps=12)
    np.testing.assert_allclose(c_rates, t_rates, rtol=1e-12)
