"""chainrule: automatic differentiation and neural networks on NumPy, with PyTorch's API.

import chainrule as torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 2).sum()
y.backward()
x.grad            # tensor([2., 4., 6.])
"""

from __future__ import annotations

from . import autograd
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import activation as _activation
from .ops import elementwise as _elementwise
from .ops import linalg as _linalg
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops.activation import *  # noqa: F403  (each ops module lists its public names in __all__)
from .ops.elementwise import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.shape import *  # noqa: F403
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
for _module in (_activation, _elementwise, _linalg, _reduction, _shape):
    __all__ += _module.__all__
del _module
