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
from .ops.activation import relu, sigmoid, tanh
from .ops.elementwise import (
    abs,
    add,
    div,
    eq,
    exp,
    ge,
    gt,
    le,
    log,
    lt,
    mul,
    ne,
    neg,
    pow,
    round,
    sign,
    sqrt,
    sub,
    where,
)
from .ops.linalg import matmul
from .ops.reduction import mean, sum
from .ops.shape import clone, expand, reshape, transpose
from .tensor import Size, Tensor, tensor  # noqa: I001  (Tensor first: ops import it)

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
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sign",
    "round",
    "where",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "sigmoid",
    "tanh",
    "relu",
    "sum",
    "mean",
    "matmul",
    "reshape",
    "expand",
    "transpose",
    "clone",
]
