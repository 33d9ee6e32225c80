"""Tensor factories: ``zeros``, ``ones``, ``full``, ``eye``, ``arange``, ``linspace``, the
``*_like`` variants, ``from_numpy`` and ``as_tensor`` (random ones are in ``_random.py``).

Every factory takes PyTorch's keywords: ``dtype=`` (default: the default float dtype, except
where the values say otherwise, e.g. integer ``arange``), ``requires_grad=`` and ``device=``
(only the CPU exists). Sizes may be given as varargs or as one sequence: ``zeros(2, 3)`` and
``zeros((2, 3))`` are the same tensor.
"""

from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from ._dtype import default_float_np, from_numpy_dtype, to_numpy_dtype
from .tensor import Tensor, _infer_np_dtype, _wrap, tensor

__all__ = [
    "zeros",
    "ones",
    "full",
    "empty",
    "eye",
    "arange",
    "linspace",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "from_numpy",
    "as_tensor",
]


# ---------------------------------------------------------------- shared argument handling
def _check_device(device, op: str) -> None:
    """chainrule computes on the CPU only: accept ``None``/``'cpu'`` (any spelling of it)."""
    if device is None:
        return
    name = str(device)
    if name not in ("cpu", "cpu:0"):
        raise RuntimeError(
            f"{op}: device {name!r} is not available: chainrule tensors live on the CPU "
            "(NumPy arrays); use device='cpu' or leave device out"
        )


def _parse_size(size: tuple, op: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(x.shape)`` all mean the shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if all(type(s) is int and s >= 0 for s in size):  # the common case, checked cheaply
        return tuple(size)
    out = []
    for i, s in enumerate(size):
        if isinstance(s, builtins.bool) or not isinstance(s, (numbers.Integral, Tensor)):
            raise TypeError(
                f"{op}(): argument 'size' must be a tuple of ints, but found element of type "
                f"{type(s).__name__} at pos {i}"
            )
        out.append(s.__index__() if isinstance(s, Tensor) else builtins.int(s))
    for s in out:
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _sizes(args: tuple, size, op: str) -> tuple:
    """Varargs sizes or ``size=``; one of them must be given (``zeros()`` is an error)."""
    if size is not None:
        if args:
            raise TypeError(f"{op}() got the size both positionally and as size=")
        args = (size,)
    if not args:
        raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
    return _parse_size(args, op)


def _resolve_dtype(dtype) -> np.dtype:
    return default_float_np() if dtype is None else to_numpy_dtype(dtype)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _wrap(data)
    if requires_grad:
        t.requires_grad_(True)  # PyTorch's RuntimeError for non-floating dtypes
    return t


def _number(v, op: str, what: str):
    """A Python number from a number, a NumPy scalar or a one-element tensor."""
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, numbers.Number):
        return v
    raise TypeError(f"{op}(): {what} must be a number, got {type(v).__name__}")


def _value_dtype(value) -> np.dtype:
    """PyTorch's dtype for a fill value: bool -> bool, int -> int64, float -> default."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return default_float_np()


# ---------------------------------------------------------------- constant factories
def zeros(*args, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    shape = _sizes(args, size, "zeros")
    _check_device(device, "zeros")
    return _finish(np.zeros(shape, _resolve_dtype(dtype)), requires_grad)


def ones(*args, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    shape = _sizes(args, size, "ones")
    _check_device(device, "ones")
    return _finish(np.ones(shape, _resolve_dtype(dtype)), requires_grad)


def empty(*args, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor to be filled before it is read (PyTorch leaves the memory uninitialised).

    chainrule hands out zeros: as cheap as uninitialised memory for NumPy, and a forgotten
    fill cannot leak NaNs or overflow warnings into a computation.
    """
    shape = _sizes(args, size, "empty")
    _check_device(device, "empty")
    return _finish(np.zeros(shape, _resolve_dtype(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (bool,
    int64 or the default float) unless ``dtype`` is given."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"full(): argument 'size' must be a tuple of ints, not {type(size).__name__}"
        )
    shape = _parse_size((size,), "full")
    value = _number(fill_value, "full", "fill_value")
    npd = _value_dtype(value) if dtype is None else to_numpy_dtype(dtype)
    _check_device(device, "full")
    return _finish(np.full(shape, value, npd), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``)."""
    n = _number(n, "eye", "n")
    m = n if m is None else _number(m, "eye", "m")
    for name, v in (("n", n), ("m", m)):
        if not isinstance(v, numbers.Integral) or isinstance(v, builtins.bool):
            raise TypeError(f"eye(): {name} must be an int, got {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    _check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=_resolve_dtype(dtype)), requires_grad)


# ---------------------------------------------------------------- ranges
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False):
    """Values ``start, start + step, ...`` below ``end`` (``arange(n)`` counts 0 .. n-1).

    Integer arguments give int64, any float argument the default float dtype (PyTorch's
    rule). The length is ceil((end - start) / step), computed in double precision.
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange", "each bound") for v in (start, end, step))
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if dtype is not None:
        npd = to_numpy_dtype(dtype)
    else:
        npd = np.dtype(np.int64) if all_int else default_float_np()
    if npd == np.bool_:
        raise NotImplementedError('arange: "arange_cpu" not implemented for bool')
    if not all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    n = math.ceil((end - start) / step)
    _check_device(device, "arange")
    if all_int:  # exact integer arithmetic, even past 2**53
        values = start + step * np.arange(n, dtype=np.int64)
    else:
        values = start + step * np.arange(n, dtype=np.float64)
    return _finish(values.astype(npd, copy=False), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad: bool = False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    PyTorch's recipe: the first half counts up from ``start`` and the second half down from
    ``end``, in the output's dtype (in double for integer dtypes, after truncating the ends).
    """
    start, end = (_number(v, "linspace", "each bound") for v in (start, end))
    steps = _number(steps, "linspace", "steps")
    if not isinstance(steps, numbers.Integral) or isinstance(steps, builtins.bool):
        raise TypeError(f"linspace(): steps must be an int, got {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    npd = _resolve_dtype(dtype)
    _check_device(device, "linspace")
    if npd.kind == "f":
        ct = np.float32 if npd == np.float16 else npd.type  # half: float maths, half ends
        lo, hi = (ct(npd.type(v)) for v in (start, end))
    else:  # integers: the ends are truncated first, the step is a double
        ct = np.float64
        lo, hi = ct(builtins.int(start)), ct(builtins.int(end))
    if steps <= 1:
        values = np.full(steps, lo, dtype=ct)
    else:
        step = (hi - lo) / ct(steps - 1)
        if npd == np.float16:  # PyTorch keeps the step in half precision
            step = ct(np.float16(step))
        idx = np.arange(steps, dtype=ct)
        half = steps // 2
        values = np.where(
            np.arange(steps) < half, lo + step * idx, hi - step * (ct(steps - 1) - idx)
        ).astype(ct, copy=False)
    return _finish(values.astype(npd, copy=False), requires_grad)


# ---------------------------------------------------------------- *_like
def _like(input: Tensor, dtype) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor as input, got {type(input).__name__}")
    return input._data.shape, (input._data.dtype if dtype is None else to_numpy_dtype(dtype))


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False):
    shape, npd = _like(input, dtype)
    _check_device(device, "zeros_like")
    return _finish(np.zeros(shape, npd), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False):
    shape, npd = _like(input, dtype)
    _check_device(device, "ones_like")
    return _finish(np.ones(shape, npd), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False):
    shape, npd = _like(input, dtype)
    _check_device(device, "empty_like")
    return _finish(np.zeros(shape, npd), requires_grad)  # zeros: see empty()


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False):
    """Like ``input``, filled with ``fill_value`` (cast to ``input``'s dtype: 2.7 -> 2)."""
    shape, npd = _like(input, dtype)
    _check_device(device, "full_like")
    value = _number(fill_value, "full_like", "fill_value")
    return _finish(np.full(shape, value, npd), requires_grad)


# ---------------------------------------------------------------- from existing data
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares ``ndarray``'s memory and keeps its dtype: writes to either are
    seen by both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    try:
        from_numpy_dtype(ndarray.dtype)
    except TypeError:
        raise TypeError(
            f"can't convert np.ndarray of type {ndarray.dtype}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None
    if not ndarray.dtype.isnative:
        raise ValueError(
            f"from_numpy(): the array's byte order ({ndarray.dtype}) is not native; convert it "
            "with ndarray.astype(ndarray.dtype.newbyteorder('='))"
        )
    return _wrap(ndarray)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, without copying when possible.

    A Tensor of the requested dtype is returned as is; a NumPy array of a supported dtype is
    wrapped (shared memory); anything else is copied as ``chainrule.tensor`` would.
    """
    _check_device(device, "as_tensor")
    npd = None if dtype is None else to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        return data if npd is None or npd == data._data.dtype else data.to(npd)
    if isinstance(data, np.ndarray):
        have = _infer_np_dtype(data)
        if npd is None or npd == have:
            return from_numpy(data)
        return _wrap(data.astype(npd))
    return tensor(data, dtype=dtype)
