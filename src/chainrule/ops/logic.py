"""Comparisons, logic and tests of values: bool results (or Python bools) that never require
grad, so no graph node is recorded. NumPy's ufuncs compare in the promoted dtype, as
PyTorch does."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..tensor import Tensor, _wrap
from ._pointwise import not_implemented, require_tensor, shapes_error

# The public functions (``chainrule.<name>``).
__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "isnan",
    "isinf",
    "isfinite",
    "isclose",
    "allclose",
    "equal",
]


def _compare(ufunc, a, b, op: str):
    """Apply ``ufunc`` without recording; NotImplemented for operands Python should try the
    other way (``t == None`` is then False, as in PyTorch)."""
    if not isinstance(b, (Tensor, numbers.Number, np.ndarray, np.generic, list, tuple)):
        return NotImplemented
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    try:
        return _wrap(np.asarray(ufunc(x, y)))
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise shapes_error(op, a, b) from None


def eq(input, other):
    return _compare(np.equal, input, other, "eq")


def ne(input, other):
    return _compare(np.not_equal, input, other, "ne")


def lt(input, other):
    return _compare(np.less, input, other, "lt")


def le(input, other):
    return _compare(np.less_equal, input, other, "le")


def gt(input, other):
    return _compare(np.greater, input, other, "gt")


def ge(input, other):
    return _compare(np.greater_equal, input, other, "ge")


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(ufunc, a, b, op: str):
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind == "f":
            raise not_implemented(op, x)
    return _compare(ufunc, a, b, op)


def bitwise_and(input, other):
    return _bitwise(np.bitwise_and, input, other, "bitwise_and")


def bitwise_or(input, other):
    return _bitwise(np.bitwise_or, input, other, "bitwise_or")


def bitwise_xor(input, other):
    return _bitwise(np.bitwise_xor, input, other, "bitwise_xor")


def bitwise_not(input):
    require_tensor(input, "bitwise_not")
    if input._data.dtype.kind == "f":
        raise not_implemented("bitwise_not", input)
    return _wrap(np.asarray(np.invert(input._data)))


def invert(input):
    """``~input`` (``Tensor.__invert__``): bitwise_not, with PyTorch's TypeError for floats."""
    if isinstance(input, Tensor) and input._data.dtype.kind == "f":
        raise TypeError(
            f"~ (bitwise_not) is only implemented on integer and bool tensors, got {input.dtype}"
        )
    return bitwise_not(input)


def _logical(ufunc, a, b, op: str):
    """Logic on truth values: any dtype, nonzero is True; both arguments Tensors."""
    require_tensor(a, op)
    require_tensor(b, op, "other")
    return _compare(ufunc, a, b, op)


def logical_and(input, other):
    return _logical(np.logical_and, input, other, "logical_and")


def logical_or(input, other):
    return _logical(np.logical_or, input, other, "logical_or")


def logical_xor(input, other):
    return _logical(np.logical_xor, input, other, "logical_xor")


def logical_not(input):
    require_tensor(input, "logical_not")
    return _wrap(np.asarray(np.logical_not(input._data)))


def isnan(input):
    require_tensor(input, "isnan")
    return _wrap(np.asarray(np.isnan(input._data)))


def isinf(input):
    require_tensor(input, "isinf")
    return _wrap(np.asarray(np.isinf(input._data)))


def isfinite(input):
    require_tensor(input, "isfinite")
    return _wrap(np.asarray(np.isfinite(input._data)))


def _close(input, other, rtol, atol, equal_nan, op: str) -> np.ndarray:
    require_tensor(input, op)
    require_tensor(other, op, "other")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}(): both tensors must have the same dtype, got {input.dtype} and {other.dtype}"
        )
    if rtol < 0 or atol < 0:
        raise RuntimeError(
            f"{op}(): rtol and atol must be greater than or equal to zero, "
            f"got rtol={rtol} and atol={atol}"
        )
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise shapes_error(op, input, other) from None
    if a.dtype.kind == "b":  # |a - b| is undefined for bools: compare as integers
        a, b = a.astype(np.int64), b.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return np.broadcast_to(close, shape)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close)."""
    return _wrap(np.array(_close(input, other, rtol, atol, equal_nan, "isclose")))


def allclose(
    input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether every element is close (see ``isclose``); a Python bool."""
    return builtins.bool(np.all(_close(input, other, rtol, atol, equal_nan, "allclose")))


def equal(input, other) -> bool:
    """True when both tensors have the same shape and the same values (NaN never equals);
    a Python bool. Different dtypes compare by value."""
    require_tensor(input, "equal")
    require_tensor(other, "equal", "other")
    a, b = input._data, other._data
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))
