"""In-place updates: ``x += y`` and friends.

Without autograd involved the update is one ufunc writing into ``x``'s memory. When ``x`` or
``y`` requires grad, the out-of-place result is computed (and recorded), copied into ``x``'s
memory, and ``x`` takes over its graph node; ``x``'s version counter goes up either way, so a
backward formula that saved the old value raises instead of using the new one.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import state
from ..ops.elementwise import add, div, mul, sub
from ..tensor import Tensor


class InplaceMethods:
    """Installed on Tensor by ``_methods.install``."""

    __slots__ = ()

    def __iadd__(self, other):
        return inplace_binary(add, self, other)

    def __isub__(self, other):
        return inplace_binary(sub, self, other)

    def __imul__(self, other):
        return inplace_binary(mul, self, other)

    def __itruediv__(self, other):
        return inplace_binary(div, self, other)


def inplace_binary(op, self: Tensor, other) -> Tensor:
    """``self op= other``: update ``self`` in place, recording it when autograd needs to."""

    tracked = state.enabled and (
        self._requires_grad or (isinstance(other, Tensor) and other._requires_grad)
    )
    if not tracked and isinstance(other, Tensor) and other._data.dtype == self._data.dtype:
        # plain update (e.g. ``param.data -= lr * param.grad``): one ufunc writing in place
        _INPLACE_UFUNC[op](self._data, other._data, out=self._data)
        self._bump_version()
        return self
    if tracked and self._grad_fn is None and self._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            "Update parameters inside `with chainrule.no_grad():` or through `.data`."
        )
    result = op(self, other)
    if result._data.dtype != self._data.dtype and not np.can_cast(
        result._data.dtype, self._data.dtype, casting="same_kind"
    ):
        raise RuntimeError(
            f"result type {result.dtype} can't be cast to the desired output type {self.dtype}"
        )
    self._data[...] = result._data
    self._bump_version()
    if tracked:  # the in-place result now carries the graph of the out-of-place one
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = result._requires_grad
    return self


_INPLACE_UFUNC = {add: np.add, sub: np.subtract, mul: np.multiply, div: np.true_divide}
