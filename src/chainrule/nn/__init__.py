"""``chainrule.nn``: modules, parameters, layers, losses, ``functional``, ``init`` and ``utils``.

import chainrule.nn as nn

model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
"""

from __future__ import annotations

from . import functional, init, modules, utils
from .modules import *  # noqa: F403
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "utils"] + modules.__all__
