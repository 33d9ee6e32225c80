"""``chainrule.nn.functional``: the functional twin of every layer, activation and loss.

Each family lives in its own module; this package re-exports them under PyTorch's names, so
``import chainrule.nn.functional as F`` works as it does with PyTorch.
"""

from __future__ import annotations

from . import activation as _activation
from . import attention as _attention
from . import conv as _conv
from . import dropout as _dropout
from . import linear as _linear
from . import loss as _loss
from . import misc as _misc
from . import normalization as _normalization
from . import padding as _padding
from . import pooling as _pooling
from . import sparse as _sparse
from . import upsampling as _upsampling
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .misc import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pooling import *  # noqa: F403
from .sparse import *  # noqa: F403
from .upsampling import *  # noqa: F403

__all__: list[str] = []
for _m in (
    _activation,
    _attention,
    _conv,
    _dropout,
    _linear,
    _loss,
    _misc,
    _normalization,
    _padding,
    _pooling,
    _sparse,
    _upsampling,
):
    __all__ += _m.__all__
del _m
