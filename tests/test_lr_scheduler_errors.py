"""Scheduler errors and warnings: PyTorch's types and messages, checked against PyTorch."""

from __future__ import annotations

import warnings

import pytest
import torch

import chainrule


def _optimizer(lib, name="SGD", **kwargs):
    return getattr(lib.optim, name)([lib.nn.Parameter(lib.ones(2))], lr=0.1, **kwargs)


def _raised(call):
    with pytest.raises(Exception) as info:
        call()
    return info.type, str(info.value).replace("chainrule", "torch")


def _identity(epoch):
    return 1.0


ERRORS = {
    "not-an-optimizer": lambda S, lib: S.StepLR(object(), 3),
    "resume-without-initial_lr": lambda S, lib: S.StepLR(_optimizer(lib), 3, last_epoch=5),
    "lambdas-count": lambda S, lib: S.LambdaLR(_optimizer(lib), [_identity, _identity]),
    "multiplicative-not-callable": lambda S, lib: S.MultiplicativeLR(_optimizer(lib), [3]),
    "constant-factor": lambda S, lib: S.ConstantLR(_optimizer(lib), factor=1.5),
    "linear-start": lambda S, lib: S.LinearLR(_optimizer(lib), start_factor=0),
    "linear-end": lambda S, lib: S.LinearLR(_optimizer(lib), end_factor=1.5),
    "restarts-T_0": lambda S, lib: S.CosineAnnealingWarmRestarts(_optimizer(lib), T_0=0),
    "restarts-T_mult": lambda S, lib: S.CosineAnnealingWarmRestarts(_optimizer(lib), 5, 0),
    "restarts-eta_min": lambda S, lib: S.CosineAnnealingWarmRestarts(
        _optimizer(lib), 5, eta_min="0"
    ),
    "restarts-negative-epoch": lambda S, lib: S.CosineAnnealingWarmRestarts(
        _optimizer(lib), 5
    ).step(-1),
    "one-cycle-no-length": lambda S, lib: S.OneCycleLR(_optimizer(lib), 1.0),
    "one-cycle-total": lambda S, lib: S.OneCycleLR(_optimizer(lib), 1.0, total_steps=0),
    "one-cycle-epochs": lambda S, lib: S.OneCycleLR(
        _optimizer(lib), 1.0, epochs=0, steps_per_epoch=3
    ),
    "one-cycle-steps-per-epoch": lambda S, lib: S.OneCycleLR(
        _optimizer(lib), 1.0, epochs=2, steps_per_epoch=1.5
    ),
    "one-cycle-pct": lambda S, lib: S.OneCycleLR(_optimizer(lib), 1.0, 10, pct_start=1.5),
    "one-cycle-strategy": lambda S, lib: S.OneCycleLR(
        _optimizer(lib), 1.0, 10, anneal_strategy="exp"
    ),
    "one-cycle-no-momentum": lambda S, lib: S.OneCycleLR(_optimizer(lib, "Adagrad"), 1.0, 10),
    "one-cycle-max_lr-count": lambda S, lib: S.OneCycleLR(_optimizer(lib), [1.0, 2.0], 10),
    "one-cycle-past-the-end": lambda S, lib: [
        s.step() for s in [S.OneCycleLR(_optimizer(lib), 1.0, 3)] for _ in range(4)
    ],
    "cyclic-mode": lambda S, lib: S.CyclicLR(_optimizer(lib), 0.01, 0.1, mode="sine"),
    "plateau-factor": lambda S, lib: S.ReduceLROnPlateau(_optimizer(lib), factor=1.0),
    "plateau-mode": lambda S, lib: S.ReduceLROnPlateau(_optimizer(lib), mode="lowest"),
    "plateau-threshold-mode": lambda S, lib: S.ReduceLROnPlateau(
        _optimizer(lib), threshold_mode="ratio"
    ),
    "plateau-min_lr-count": lambda S, lib: S.ReduceLROnPlateau(_optimizer(lib), min_lr=[0, 0]),
    "sequential-empty": lambda S, lib: S.SequentialLR(_optimizer(lib), [], []),
    "sequential-milestones": lambda S, lib: (
        lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], [2, 4])
    )(_optimizer(lib)),
    "sequential-plateau": lambda S, lib: (
        lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [2])
    )(_optimizer(lib)),
    "sequential-other-optimizer": lambda S, lib: S.SequentialLR(
        _optimizer(lib), [S.StepLR(_optimizer(lib), 2)], []
    ),
    "sequential-not-a-scheduler": lambda S, lib: S.SequentialLR(_optimizer(lib), [3], []),
    "chained-empty": lambda S, lib: S.ChainedScheduler([]),
    "chained-plateau": lambda S, lib: S.ChainedScheduler([S.ReduceLROnPlateau(_optimizer(lib))]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    build = ERRORS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. stepping before optimizer.step()
        t_type, t_msg = _raised(lambda: build(torch.optim.lr_scheduler, torch))
        c_type, c_msg = _raised(lambda: build(chainrule.optim.lr_scheduler, chainrule))
    assert c_type is t_type, (c_type, t_type, c_msg)
    assert c_msg == t_msg


def test_plateau_min_lrs_must_follow_added_groups():
    opt = _optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [chainrule.nn.Parameter(chainrule.ones(1))]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau` was"):
        sched.step(2.0)


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    opt = _optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        sched.step()
    opt = _optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
        sched.step()


def test_warns_when_get_lr_is_called_outside_step():
    sched = chainrule.optim.lr_scheduler.ExponentialLR(_optimizer(chainrule), 0.5)
    with pytest.warns(UserWarning, match=r"please use `get_last_lr\(\)`"):
        sched.get_lr()


def test_warns_when_optimizer_step_was_replaced():
    opt = _optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.StepLR(opt, 2)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="has been overridden after learning rate scheduler"):
        sched.step()


def test_optimizer_step_is_wrapped_once_and_still_works():
    opt = _optimizer(chainrule)
    p = opt.param_groups[0]["params"][0]
    chainrule.optim.lr_scheduler.StepLR(opt, 2)
    wrapped = opt.step
    chainrule.optim.lr_scheduler.ExponentialLR(opt, 0.9)
    assert opt.step is wrapped
    p.grad = chainrule.ones(2)
    assert opt.step() is None
    assert opt._opt_called
    assert p.detach().numpy().tolist() == pytest.approx([0.9, 0.9])
