"""chainrule's dtypes: thin named wrappers over NumPy dtypes, spelled like PyTorch's.

A Tensor stores a NumPy array; ``Tensor.dtype`` maps that array's NumPy dtype to one of the
objects below, so ``x.dtype == chainrule.float32`` and ``repr(x.dtype) == 'chainrule.float32'``.
Anywhere a dtype is accepted, a chainrule dtype, a NumPy dtype (or scalar type) and the
Python types ``float``, ``int`` and ``bool`` all work; as in PyTorch, ``float`` means float64
and ``int`` means int64.
"""

from __future__ import annotations

import builtins

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool",
    "get_default_dtype",
    "set_default_dtype",
    "can_cast",
    "promote_types",
    "result_type",
    "finfo",
    "iinfo",
]

# Promotion categories, lowest first, as in PyTorch's type-promotion rules.
BOOL, INTEGRAL, FLOATING = 0, 1, 2


class dtype:  # noqa: N801 - torch spelling
    """A tensor element type (``chainrule.float32`` and friends)."""

    __slots__ = ("name", "np", "category", "itemsize")

    def __init__(self, name: str, np_dtype) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        kind = self.np.kind
        self.category = FLOATING if kind == "f" else BOOL if kind == "b" else INTEGRAL

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOATING

    @property
    def is_signed(self) -> bool:
        return self.np.kind in "fi"

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):  # dtypes are singletons; copies resolve to the same object
        return self.name


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001 - torch spelling

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool)
_FROM_NP: dict[np.dtype, dtype] = {d.np: d for d in _ALL}


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(f"chainrule does not support NumPy dtype {np_dtype}") from None


class _Defaults:
    float_np = np.dtype(np.float32)


_defaults = _Defaults()


def get_default_dtype() -> dtype:
    """The dtype that Python floats become (``float32`` unless changed)."""
    return _FROM_NP[_defaults.float_np]


def set_default_dtype(d) -> None:
    """Set the dtype that Python floats become; only float32 and float64 are allowed."""
    npd = to_numpy_dtype(d)
    if npd not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(
            f"set_default_dtype: only floating-point types are supported as the default type, "
            f"got {from_numpy_dtype(npd)}"
        )
    _defaults.float_np = npd


def default_float_np() -> np.dtype:
    return _defaults.float_np


def to_numpy_dtype(d) -> np.dtype:
    """Resolve anything dtype-like (chainrule, NumPy or Python type) to a NumPy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is builtins.float:  # PyTorch's reading of the Python type: double precision
        return np.dtype(np.float64)
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"cannot interpret {d!r} as a chainrule dtype") from None
    if npd not in _FROM_NP:
        raise TypeError(f"chainrule does not support dtype {npd}")
    return npd


def can_cast(from_, to) -> bool:
    """PyTorch's casting rule for in-place results: never float -> integer/bool, never
    non-bool -> bool; anything else (narrowing included) is allowed."""
    src, dst = to_numpy_dtype(from_), to_numpy_dtype(to)
    if src.kind == "f" and dst.kind != "f":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def promote_types(type1, type2) -> dtype:
    """PyTorch's promotion of two dtypes: the higher category (bool < integer < floating)
    wins outright (int64 with float16 is float16); within a category, the wider type."""
    a, b = to_numpy_dtype(type1), to_numpy_dtype(type2)
    ca, cb = _FROM_NP[a].category, _FROM_NP[b].category
    if ca != cb:
        return _FROM_NP[a if ca > cb else b]
    return _FROM_NP[np.promote_types(a, b)]


def result_type(tensor, other) -> dtype:
    """The dtype ``tensor + other`` would have (either may be a number), as in PyTorch."""
    from .ops._util import promote
    from .tensor import Tensor

    if not isinstance(tensor, Tensor) and not isinstance(other, Tensor):
        kinds = [builtins.bool if isinstance(x, (builtins.bool, np.bool_)) else
                 builtins.float if isinstance(x, (builtins.float, np.floating)) else builtins.int
                 for x in (tensor, other)]  # fmt: skip
        best = builtins.float if builtins.float in kinds else builtins.int
        return _FROM_NP[to_numpy_dtype(builtins.bool if kinds == [builtins.bool] * 2 else best)]
    a, b = promote(tensor, other, "result_type")
    t = a if isinstance(a, Tensor) else b
    return _FROM_NP[t._data.dtype]


class finfo:  # noqa: N801 - torch spelling
    """Machine limits of a floating dtype (``chainrule.finfo(chainrule.float32).eps``)."""

    def __init__(self, type=None) -> None:  # noqa: A002
        npd = _defaults.float_np if type is None else to_numpy_dtype(type)
        if npd.kind != "f":
            raise TypeError("finfo() requires a floating point input type; use iinfo")
        info = np.finfo(npd)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0**-info.precision
        self.dtype = npd.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801
    """Limits of an integer dtype (``chainrule.iinfo(chainrule.int32).max``)."""

    def __init__(self, type) -> None:  # noqa: A002
        npd = to_numpy_dtype(type)
        if npd.kind not in "iub":
            raise TypeError("iinfo() requires an integer input type; use finfo")
        info = np.iinfo(np.uint8 if npd.kind == "b" else npd)
        self.bits, self.max, self.min = info.bits, builtins.int(info.max), builtins.int(info.min)
        self.dtype = npd.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
