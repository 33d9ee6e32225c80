"""Tensor methods that change dtype (``.float()``, ``.to(...)``, ``.type(...)``) or make new
tensors like this one (``.new_zeros(...)``).

chainrule has one device, the CPU: ``.to('cpu')``, ``.to(device, dtype)`` and ``.cpu()`` are
accepted and only the dtype part does anything.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import _creation as C
from .._dtype import dtype as _dtype_cls
from .._dtype import to_numpy_dtype
from ..ops.shape import clone, to
from ..tensor import Tensor, tensor

_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}
_FROM_TYPE_NAME = {v: k for k, v in _TYPE_NAMES.items()}


def _is_dtype(x) -> bool:
    if isinstance(x, (_dtype_cls, np.dtype)) or x in (builtins.float, builtins.int, builtins.bool):
        return True
    return isinstance(x, type) and issubclass(x, np.generic)


def parse_to(self: Tensor, args: tuple, kwargs: dict):
    """PyTorch's three ``to`` forms -> (dtype or None, copy).

    ``to(dtype, non_blocking=False, copy=False)``, ``to(device=None, dtype=None,
    non_blocking=False, copy=False)`` and ``to(other, non_blocking=False, copy=False)``.
    """
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument {next(iter(kwargs))!r}")
    args = list(args)
    if args:
        first = args.pop(0)
        if isinstance(first, Tensor):
            dtype = first.dtype
        elif _is_dtype(first):
            dtype = first
        elif isinstance(first, str) or type(first).__name__ == "device":
            device = first
            if args and (args[0] is None or _is_dtype(args[0])):
                dtype = args.pop(0)
        else:
            raise TypeError(
                f"to() received an invalid argument: expected a dtype, a device or a Tensor, "
                f"got {type(first).__name__}"
            )
    if args:  # non_blocking, then copy
        args.pop(0)
    if args:
        copy = args.pop(0)
    if args:
        raise TypeError("to() received too many positional arguments")
    C._check_device(device, "to")
    return dtype, builtins.bool(copy)


def convert(self: Tensor, *args, **kwargs) -> Tensor:
    dtype, copy = parse_to(self, args, kwargs)
    if dtype is None:
        return clone(self) if copy else self
    return to(self, dtype, copy=copy)


def type_(self: Tensor, dtype=None, non_blocking: bool = False):
    """``t.type()`` names the tensor type; ``t.type(dtype)`` (or a type name) converts."""
    if dtype is None:
        return f"chainrule.{_TYPE_NAMES[self.dtype.name]}"
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        if name not in _FROM_TYPE_NAME or dtype.count(".") != 1:
            raise ValueError(f"type(): invalid type {dtype!r}")
        dtype = _FROM_TYPE_NAME[name]
    return to(self, dtype)


def _new_full(self: Tensor, size, fill_value, dtype, requires_grad) -> Tensor:
    npd = self._data.dtype if dtype is None else to_numpy_dtype(dtype)
    return C.full(tuple(size), fill_value, dtype=npd, requires_grad=requires_grad)


class ConversionMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line."""

    __slots__ = ()

    def to(self, *args, **kwargs):
        return convert(self, *args, **kwargs)

    def type(self, dtype=None, non_blocking: bool = False):
        return type_(self, dtype)

    def type_as(self, other):
        return to(self, other.dtype)

    def cpu(self):
        return self

    def float(self):
        return to(self, np.float32)

    def double(self):
        return to(self, np.float64)

    def half(self):
        return to(self, np.float16)

    def long(self):
        return to(self, np.int64)

    def int(self):
        return to(self, np.int32)

    def short(self):
        return to(self, np.int16)

    def char(self):
        return to(self, np.int8)

    def byte(self):
        return to(self, np.uint8)

    def bool(self):
        return to(self, np.bool_)

    # ------------------------------------------------------------------ new tensors like self
    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return _new_full(self, C._sizes(args, size, "new_zeros"), 0, dtype, requires_grad)

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return _new_full(self, C._sizes(args, size, "new_ones"), 1, dtype, requires_grad)

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return _new_full(self, C._sizes(args, size, "new_empty"), 0, dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return _new_full(self, size, fill_value, dtype, requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        dtype = self.dtype if dtype is None else dtype
        return tensor(data, dtype=dtype, requires_grad=requires_grad)
