"""chainrule.optim: optimizers and learning-rate schedules, with PyTorch's API.

    opt = chainrule.optim.Adam(model.parameters(), lr=1e-3)
    sched = chainrule.optim.lr_scheduler.StepLR(opt, step_size=10)
    loss.backward(); opt.step(); opt.zero_grad(); sched.step()

Each optimizer validates its hyperparameters, gathers parameters, gradients and state, and
calls the pure update function of its algorithm in ``_functional.py``.
"""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "lr_scheduler",
]
