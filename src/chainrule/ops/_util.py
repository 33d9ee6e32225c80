"""Argument handling shared by the ops: dims, dtype promotion, broadcast errors."""

from __future__ import annotations

import numbers

import numpy as np

from .._dtype import default_float_np
from ..tensor import Tensor, _check_dim, tensor

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def normalize_dims(dim, ndim: int, op: str) -> tuple | None:
    """``dim`` (None, an int, or a sequence of ints) as a sorted tuple of axes, or None
    for all of them."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(_check_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise RuntimeError(
                f"{op}(): a dim appears multiple times in the list of dims {list(dim)}"
            )
        return tuple(sorted(axes))
    return (_check_dim(dim, ndim, op),)


class _Unset:
    """The default of ``dim`` and ``keepdim`` where PyTorch tells an argument left out from
    one passed as its default: ``x.sum(None, keepdim=True)`` keeps every dim, but
    ``x.sum(keepdim=True)`` matches none of ``sum``'s signatures and raises TypeError (as
    do ``mean``, ``prod``, ``max`` and ``min``; the last three would otherwise drop the
    ``keepdim`` silently)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


UNSET = _Unset()


def keepdim_without_dim(op: str, keepdim, signatures: tuple, method: bool) -> TypeError:
    """PyTorch's TypeError for ``keepdim`` given without ``dim`` (``signatures``: the
    overloads it lists, as the method spells them; the function's add ``Tensor input``)."""
    kind = type(keepdim).__name__
    if method:
        got, lines = f"(keepdim={kind}, )", signatures
    else:
        got = f"(Tensor, keepdim={kind})"
        lines = tuple("(Tensor input" + (", " + s[1:] if s != "()" else ")") for s in signatures)
    listed = "".join(f"\n * {line}" for line in lines)
    return TypeError(
        f"{op}() received an invalid combination of arguments - got {got}, "
        f"but expected one of:{listed}"
    )


def result_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """PyTorch's promotion of two tensors: the higher category (bool < int < float) wins;
    within it, dimensioned tensors outrank 0-d ones (float32 matrix + 0-d float64 -> float32)."""
    ca, cb = _CATEGORY[a.dtype.kind], _CATEGORY[b.dtype.kind]
    if ca != cb:
        return a.dtype if ca > cb else b.dtype
    if (a.ndim == 0) == (b.ndim == 0):
        return np.promote_types(a.dtype, b.dtype)
    return b.dtype if a.ndim == 0 else a.dtype


def promote(a, b, op: str):
    """Bring a binary op's operands to PyTorch's result dtype.

    Python numbers stay Python numbers (NumPy treats them as weak, like PyTorch), except that
    an integer or bool tensor meeting a Python float becomes the default float dtype, and a
    bool tensor meeting a Python int becomes int64.
    """
    a_t, b_t = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_t and b_t:
        da, db = a._data.dtype, b._data.dtype
        if da == db:
            return a, b
        target = result_dtype(a._data, b._data)
        return (a if da == target else a.to(target)), (b if db == target else b.to(target))
    if a_t:
        b = _scalar_operand(b, op)
        return (_lift(a, b) if not isinstance(b, Tensor) else a), b
    if b_t:
        a = _scalar_operand(a, op)
        return a, (_lift(b, a) if not isinstance(a, Tensor) else b)
    raise TypeError(f"{op}(): expected at least one Tensor argument")


def _scalar_operand(s, op: str):
    """Normalise the non-Tensor operand of a binary op: a Python number, or a Tensor made
    from an array or list."""
    if type(s) is float or type(s) is int:  # the common case, without the abc check
        return s
    if isinstance(s, np.generic):
        s = s.item()
    if isinstance(s, numbers.Real):
        return s
    if isinstance(s, (np.ndarray, list, tuple)):
        return tensor(s)
    raise TypeError(
        f"{op}(): unsupported operand type {type(s).__name__} (expected a Tensor or a number)"
    )


def _lift(t: Tensor, s) -> Tensor:
    """Cast ``t`` when the Python number ``s`` belongs to a higher category."""
    kind = t._data.dtype.kind
    if kind == "f":
        return t
    if isinstance(s, float):
        return t.to(default_float_np())
    if kind == "b" and not isinstance(s, bool):
        return t.to(np.int64)
    return t


def broadcast_error(op: str, shapes) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast, naming the op and the shapes."""
    a, b = (tuple(s) for s in shapes[:2])
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"{op}: The size of tensor a ({pa[i]}) must match the size of tensor b "
                f"({pb[i]}) at non-singleton dimension {i} (shapes {list(a)} and {list(b)})"
            )
    return RuntimeError(f"{op}: shapes {list(a)} and {list(b)} cannot be broadcast together")


def float_operands(a, b):
    """Operands of a true division / float-only op: integers become the default float."""
    out = []
    for x in (a, b):
        if isinstance(x, Tensor) and x._data.dtype.kind in "biu":
            x = x.to(default_float_np())
        out.append(x)
    return out
