"""Argument handling shared by the elementwise family (arithmetic, exponential, trig,
rounding, minmax, logic): input checks, PyTorch's dtype rules, broadcast errors."""

from __future__ import annotations

import numpy as np

from .._dtype import default_float_np
from ..tensor import Tensor
from ._util import broadcast_error, promote

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def require_tensor(x, op: str, arg: str = "input") -> None:
    """PyTorch's TypeError for a non-Tensor where only a Tensor is accepted."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def not_implemented(op: str, x: Tensor) -> NotImplementedError:
    """PyTorch's error for a dtype an op has no kernel for (a RuntimeError subclass)."""
    return NotImplementedError(f"{op}(): not implemented for tensors of dtype {x.dtype}")


def float_input(x, op: str) -> Tensor:
    """The input of a floating-point op: integer and bool tensors become the default float
    dtype (``exp(int tensor)`` is float32 in PyTorch)."""
    if isinstance(x, Tensor) and x._data.dtype.kind == "f":
        return x  # the common case first: no further calls
    require_tensor(x, op)
    return x.to(default_float_np())


def integer_like(x, op: str, allow_bool: bool = False) -> Tensor | None:
    """For ops that are the identity on integers (floor, trunc, ...): a copy of an integer
    tensor, None for a floating one, PyTorch's NotImplementedError for bool."""
    require_tensor(x, op)
    kind = x._data.dtype.kind
    if kind == "f":
        return None
    if kind == "b" and not allow_bool:
        raise not_implemented(op, x)
    return x.detach().clone()


def result_dtype(*operands) -> np.dtype:
    """PyTorch's result dtype over several operands (Tensors, Python numbers, None).

    Dimensioned tensors decide first; 0-d tensors and then Python numbers only win when they
    belong to a higher category (bool < integer < float): ``float32 matrix + 0-d float64`` is
    float32, ``int64 matrix + 0-d float64`` is float64, ``int64 + 2.5`` the default float.
    """
    dtype, category = None, -1
    for zero_dim in (False, True):
        group = [
            x._data.dtype
            for x in operands
            if isinstance(x, Tensor) and (x._data.ndim == 0) == zero_dim
        ]
        if group:
            # Only the highest category counts (int64 with float32 is float32, as in PyTorch).
            top = max(_CATEGORY[g.kind] for g in group)
            d = np.result_type(*[g for g in group if _CATEGORY[g.kind] == top])
            if _CATEGORY[d.kind] > category:
                dtype, category = d, _CATEGORY[d.kind]
    for x in operands:
        if x is None or isinstance(x, Tensor):
            continue
        c = (
            0
            if isinstance(x, (bool, np.bool_))
            else 2
            if isinstance(x, (float, np.floating))
            else 1
        )
        if c > category:
            dtype = np.dtype(np.bool_) if c == 0 else default_float_np() if c == 2 else np.int64
            category = c
    return np.dtype(dtype)


def cast(x, dtype: np.dtype):
    """A Tensor cast to ``dtype`` (itself when it already is); numbers and None unchanged."""
    if isinstance(x, Tensor) and x._data.dtype != dtype:
        return x.to(dtype)
    return x


def apply_broadcasting(cls, op: str, *args):
    """``cls.apply(*args)``, turning NumPy's broadcast ValueError into PyTorch's
    RuntimeError naming the op and the two shapes that clash."""
    try:
        return cls.apply(*args)
    except ValueError as e:
        if "broadcast" not in str(e):
            raise
        raise shapes_error(op, *args) from None


def shapes_error(op: str, *args) -> RuntimeError:
    """The broadcast error for the first pair of array arguments that do not broadcast."""
    shapes = [np.shape(a._data if isinstance(a, Tensor) else a) for a in args]
    shapes = [s for s, a in zip(shapes, args) if isinstance(a, (Tensor, np.ndarray))]
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            try:
                np.broadcast_shapes(shapes[i], shapes[j])
            except ValueError:
                return broadcast_error(op, [shapes[i], shapes[j]])
    return broadcast_error(op, shapes[:2])


def binary(cls, a, b, op: str):
    """A binary op on PyTorch-promoted operands (either may be a Python number)."""
    a, b = promote(a, b, op)
    return apply_broadcasting(cls, op, a, b)


def float_binary(cls, a, b, op: str):
    """A binary op whose result is always floating (atan2, logaddexp on ints, ...)."""
    a, b = promote(a, b, op)
    dtype = default_float_np()
    if isinstance(a, Tensor) and a._data.dtype.kind != "f":
        a = a.to(dtype)
    if isinstance(b, Tensor) and b._data.dtype.kind != "f":
        b = b.to(dtype)
    return apply_broadcasting(cls, op, a, b)
