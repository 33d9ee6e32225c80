"""chainrule.optim.lr_scheduler: learning-rate schedules, with PyTorch's names and maths.

    scheduler = lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)              # optimizer.step() inside
        scheduler.step()
    scheduler.get_last_lr()     # the current rate of each param group

The base class lives in ``_lr_base.py``; the schedules are grouped by kind in
``_lr_decay.py`` (factor-based), ``_lr_cyclic.py`` (curves) and ``_lr_composite.py``
(sequential, chained, plateau).
"""

from __future__ import annotations

# EPOCH_DEPRECATION_WARNING, _LRScheduler and Optimizer: PyTorch's module has them too
from ._lr_base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler  # noqa: F401
from ._lr_composite import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from ._lr_cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._lr_decay import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .optimizer import Optimizer  # noqa: F401

__all__ = [
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "SequentialLR",
    "CosineAnnealingLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "PolynomialLR",
    "LRScheduler",
]
