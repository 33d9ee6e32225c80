"""chainrule: automatic differentiation and neural networks on NumPy, with PyTorch's API.

import chainrule as torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 2).sum()
y.backward()
x.grad            # tensor([2., 4., 6.])
"""

from __future__ import annotations

from . import autograd
from ._creation import *  # noqa: F403
from ._dtype import (  # noqa: F401  (public through _dtype.__all__ below)
    bool,
    can_cast,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from ._random import *  # noqa: F403
from .autograd import (
    Function,
    enable_grad,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_anomaly_enabled,
    set_grad_enabled,
)
from .ops.activation import *  # noqa: F403
from .ops.diagonal import *  # noqa: F403
from .ops.einsum import *  # noqa: F403
from .ops.elementwise import *  # noqa: F403
from .ops.exponential import *  # noqa: F403
from .ops.fill import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.inplace import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.linalg_norm import *  # noqa: F403
from .ops.logic import *  # noqa: F403
from .ops.matrix import *  # noqa: F403
from .ops.minmax import *  # noqa: F403
from .ops.permute import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.reduction_cumulative import *  # noqa: F403
from .ops.reduction_norm import *  # noqa: F403
from .ops.reduction_select import *  # noqa: F403
from .ops.rounding import *  # noqa: F403
from .ops.scatter import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.softmax import *  # noqa: F403
from .ops.trig import *  # noqa: F403
from .tensor import Size, Tensor, tensor

__version__ = "0.1.0"

__all__ = [
    "Size",
    "Tensor",
    "tensor",
    "autograd",
    "Function",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
    "dtype",
    "float16",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "int32",
    "int64",
    "bool",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "get_default_dtype",
    "set_default_dtype",
]
from . import (  # noqa: E402  (after the names above: the submodules import them)
    _creation,
    _dtype,
    _random,
    linalg,
    nn,
    ops,
    optim,
    serialization,
    testing,
    utils,
    viz,
)
from .serialization import *  # noqa: E402, F403

__all__ += ["linalg", "nn", "optim", "utils", "testing", "viz"] + serialization.__all__
__all__ += _creation.__all__ + _random.__all__ + _dtype.__all__
for _name in (
    "activation",
    "diagonal",
    "einsum",
    "elementwise",
    "exponential",
    "fill",
    "indexing",
    "inplace",
    "join",
    "linalg",
    "linalg_norm",
    "logic",
    "matrix",
    "minmax",
    "permute",
    "reduction",
    "reduction_cumulative",
    "reduction_norm",
    "reduction_select",
    "rounding",
    "scatter",
    "shape",
    "softmax",
    "trig",
):
    __all__ += getattr(ops, _name).__all__
del _name
__all__ = list(dict.fromkeys(__all__))  # modules may re-export a name
