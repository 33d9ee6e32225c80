"""In-place updates (``x.add_(y)``, ``x += y``, ``x.fill_(v)``, ...): the machinery.

Two paths:

* Untracked (grad mode off, or nothing involved requires grad): one NumPy call writes into
  ``x``'s memory (``param.data.add_(g, alpha=-lr)`` is a single ufunc), and ``x``'s version
  counter goes up, so a backward formula that saved the old value raises instead of reading
  the new one.
* Tracked: the out-of-place op runs on a snapshot of ``x``'s old value (so whatever that op
  saves for backward stays correct), its result is copied into ``x``'s memory, and ``x``
  takes over the op's graph node, as in PyTorch, where ``y.mul_(w)`` makes ``y.grad_fn`` a
  ``MulBackward0``.

PyTorch's rules are enforced: a leaf that requires grad may only be modified under
``no_grad``; a result that cannot be cast back to ``x``'s dtype (float into an int tensor) or
whose broadcast shape is not ``x``'s shape is refused. Other families can build their own
in-place methods on ``apply_inplace`` (``masked_fill_``, ``relu_``, ...).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._dtype import can_cast, from_numpy_dtype
from ..autograd.grad_mode import state
from ..tensor import Tensor, _wrap
from . import elementwise as E
from . import fill as F
from ._util import broadcast_error

__all__: list[str] = []  # Tensor methods only (see _methods/inplace.py)

_LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


def _tracked(self: Tensor, others) -> bool:
    if not state.enabled:
        return False
    if self._requires_grad:
        return True
    return any(isinstance(o, Tensor) and o._requires_grad for o in others)


def _check_target(self: Tensor, name: str) -> None:
    """PyTorch's refusals for a recorded in-place op on ``self``."""
    node = self._grad_fn
    if node is None:
        if self._requires_grad:
            raise RuntimeError(f"{name}: {_LEAF_MESSAGE}")
    elif node._fn._view:
        target = node._next[0] if node._next else None
        if target is not None and isinstance(target, Tensor):
            raise RuntimeError(
                f"{name}: a view of a leaf Variable that requires grad is being used in an "
                "in-place operation."
            )
        # PyTorch rewrites the base's history here (CopySlices); chainrule does not track
        # bases, so the base's other consumers would silently miss the update: refuse.
        raise RuntimeError(
            f"{name}: Output 0 of {node.name()} is a view and is being modified inplace. "
            "chainrule cannot record in-place changes to views of tensors that require grad "
            "(the base tensor's graph would not see them). Use an out-of-place operation, or "
            "clone() the view first."
        )
    cell = self._version
    if cell is not None and cell[2]:
        # PyTorch rewrites the history of a view's base (CopySlices) and regenerates views'
        # grad_fns; chainrule does not track bases, so a recorded in-place change to memory
        # that a view shares would be invisible to the aliases' graphs: refuse, never a
        # silently wrong gradient.
        raise RuntimeError(
            f"{name}: this tensor shares memory with a view (it is one, or has one), and "
            "chainrule cannot record in-place changes through aliases. Use an out-of-place "
            "operation, or clone() first."
        )


def _snapshot(self: Tensor) -> Tensor:
    """A copy of ``self``'s values standing at the same place in the graph."""
    old = _wrap(self._data.copy())
    old._requires_grad, old._grad_fn, old._output_nr = (
        self._requires_grad,
        self._grad_fn,
        self._output_nr,
    )
    return old


def _readonly_error(self: Tensor, name: str) -> RuntimeError:
    d = self._data
    if any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape)):
        return RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location. Please clone() the tensor before performing "
            "the operation."
        )
    return RuntimeError(
        f"{name}: the tensor's memory is read-only (it wraps a non-writeable array); clone() "
        "it first"
    )


def _store(self: Tensor, values, name: str) -> None:
    if not self._data.flags.writeable:
        raise _readonly_error(self, name)
    np.copyto(self._data, values, casting="unsafe")


def _write(self: Tensor, result: Tensor, name: str, tracked: bool) -> Tensor:
    """Make ``result`` (computed out of place) ``self``'s new value and, if tracked, history."""
    rd, sd = result._data, self._data
    if rd.shape != sd.shape:
        raise RuntimeError(
            f"{name}: output with shape {list(sd.shape)} doesn't match the broadcast shape "
            f"{list(rd.shape)}"
        )
    if rd.dtype != sd.dtype:
        if not can_cast(rd.dtype, sd.dtype):
            raise RuntimeError(
                f"{name}: result type {from_numpy_dtype(rd.dtype)} can't be cast to the desired "
                f"output type {self.dtype}"
            )
        if tracked and result._requires_grad:
            result = result.to(sd.dtype)  # the cast is part of the recorded history
    _store(self, result._data, name)
    self._bump_version()
    if tracked:
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = result._requires_grad
    return self


def apply_inplace(self: Tensor, name: str, fn, *others, snapshot: bool = True) -> Tensor:
    """The general path: ``self`` becomes ``fn(self, *others)``, recorded when needed.

    ``snapshot=False`` skips copying the old value, for ops whose result does not depend on
    it (fill, copy): they save nothing that the write could corrupt.
    """
    tracked = _tracked(self, others)
    old = self
    if tracked:
        _check_target(self, name)
        if snapshot:
            old = _snapshot(self)
    return _write(self, fn(old, *others), name, tracked)


# ---------------------------------------------------------------- arithmetic: x op= y
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}
_OPS = {"add": E.add, "sub": E.sub, "mul": E.mul, "div": E.div, "pow": E.pow}


def binary_(self: Tensor, other, name: str, alpha=1, rounding_mode=None) -> Tensor:
    """``self.<name>_(other)`` for add, sub, mul, div and pow (``alpha`` for add/sub,
    ``rounding_mode`` for div)."""
    if rounding_mode is not None:
        return apply_inplace(
            self, "div_", lambda x, y: E.div(x, y, rounding_mode=rounding_mode), other
        )
    data = self._data
    fast = data.dtype.kind == "f" and not _tracked(self, (other,))
    if fast and data.flags.writeable:
        if isinstance(other, Tensor):
            operand = other._data if other._data.dtype == data.dtype else None
        else:
            operand = other if type(other) in (int, float) else None
        if operand is not None:
            if alpha != 1:
                operand = operand * alpha
            try:
                if name == "pow":
                    np.power(data, operand, out=data)
                else:
                    _UFUNCS[name](data, operand, out=data)
            except ValueError:  # not broadcastable into self: the general path explains
                pass
            else:
                self._bump_version()
                return self
    op = _OPS[name]
    snapshot = name not in ("add", "sub")  # Add and Sub save nothing the write could spoil
    if alpha != 1:
        fn = lambda x, y: op(x, y, alpha=alpha)  # noqa: E731
        return apply_inplace(self, f"{name}_", fn, other, snapshot=snapshot)
    return apply_inplace(self, f"{name}_", op, other, snapshot=snapshot)


def logical_(self: Tensor, other, name: str, op) -> Tensor:
    """``&=``, ``|=``, ``^=``: bitwise ops on bool/int tensors (never differentiable)."""
    return apply_inplace(self, f"{name}_", op, other, snapshot=False)


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - torch names
    data = self._data
    scalar = all(b is None or type(b) in (int, float) for b in (min, max))
    if (
        data.dtype.kind == "f"
        and scalar
        and (min is not None or max is not None)
        and data.flags.writeable
        and not _tracked(self, ())
    ):
        np.clip(data, min, max, out=data)
        self._bump_version()
        return self
    # E.clamp is looked up at call time: the elementwise family defines it
    return apply_inplace(self, "clamp_", lambda x, lo, hi: E.clamp(x, lo, hi), min, max)


# ---------------------------------------------------------------- overwriting values
def _fill_value(value, name: str):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"{name} only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions."
            )
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{name}(): value must be a number or a 0-d tensor, got {type(value)}")
    return value


def fill_(self: Tensor, value) -> Tensor:
    value = _fill_value(value, "fill_")
    if not _tracked(self, (value,)):
        if not self._data.flags.writeable:
            raise _readonly_error(self, "fill_")
        self._data.fill(value.item() if isinstance(value, Tensor) else value)
        self._bump_version()
        return self
    return apply_inplace(self, "fill_", F.Fill.apply, value, snapshot=False)


def zero_(self: Tensor) -> Tensor:
    if not _tracked(self, ()):
        if not self._data.flags.writeable:
            raise _readonly_error(self, "zero_")
        self._data.fill(0)
        self._bump_version()
        return self
    return apply_inplace(self, "zero_", lambda x: F.Zero.apply(x, 0), snapshot=False)


def _check_into(src_shape: tuple, dst_shape: tuple, name: str) -> None:
    """``src`` must broadcast to exactly ``dst``'s shape (PyTorch's messages otherwise)."""
    try:
        shape = np.broadcast_shapes(dst_shape, src_shape)
    except ValueError:
        raise broadcast_error(name, [dst_shape, src_shape]) from None
    if shape != tuple(dst_shape):
        raise RuntimeError(
            f"{name}: output with shape {list(dst_shape)} doesn't match the broadcast shape "
            f"{list(shape)}"
        )


def copy_(self: Tensor, src: Tensor) -> Tensor:
    """``self`` takes ``src``'s values (broadcast to ``self``'s shape, cast to its dtype)."""
    if isinstance(src, (numbers.Number, np.generic)) and not isinstance(src, Tensor):
        src = _wrap(np.asarray(src))  # a number: copied everywhere, cast like any source
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be a Tensor, not {type(src).__name__}")
    _check_into(src._data.shape, self._data.shape, "copy_")
    if not _tracked(self, (src,)):
        _store(self, src._data, "copy_")
        self._bump_version()
        return self
    return apply_inplace(self, "copy_", F.Copy.apply, src, snapshot=False)


def overwrite_(self: Tensor, values: np.ndarray, name: str, cls=F.Overwrite) -> Tensor:
    """Replace ``self``'s values with freshly drawn ``values`` (the random fills)."""
    if not _tracked(self, ()):
        _store(self, values, name)
        self._bump_version()
        return self
    return apply_inplace(self, name, cls.apply, values.astype(self._data.dtype), snapshot=False)


def _random_target(self: Tensor, name: str, kernel: str) -> None:
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f'{name}: "{kernel}" not implemented for {self.dtype}')


def normal_(self: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    from .._random import _gen, normal_array

    _random_target(self, "normal_", "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal_: normal expects std >= 0.0, but found std {std}")
    values = normal_array(_gen(generator), self._data.shape, self._data.dtype, mean, std)
    return overwrite_(self, values, "normal_")


def uniform_(self: Tensor, low=0.0, high=1.0, *, generator=None) -> Tensor:
    from .._random import _gen, uniform_array

    _random_target(self, "uniform_", "check_uniform_bounds")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}"
        )
    values = uniform_array(_gen(generator), self._data.shape, self._data.dtype, low, high)
    return overwrite_(self, values, "uniform_", F.UniformOverwrite)


def exponential_(self: Tensor, lambd=1.0, *, generator=None) -> Tensor:
    from .._random import _gen

    _random_target(self, "exponential_", "exponential_cpu")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    values = _gen(generator).exponential(1.0 / lambd, self._data.shape)
    return overwrite_(self, values, "exponential_", F.ExponentialOverwrite)
