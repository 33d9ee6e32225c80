"""The layers of ``chainrule.nn``, one module file per family."""

from __future__ import annotations

from . import (
    activation,
    attention,
    container,
    conv,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    sparse,
)
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .container import *  # noqa: F403
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .flatten import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sparse import *  # noqa: F403

__all__: list[str] = []
for _m in (
    module,
    container,
    linear,
    flatten,
    activation,
    attention,
    conv,
    dropout,
    loss,
    normalization,
    pooling,
    rnn,
    sparse,
):
    __all__ += _m.__all__
del _m
