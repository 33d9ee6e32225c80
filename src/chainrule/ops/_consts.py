"""The numbers in the ops' formulas (``1 - y``, ``max(x, 0)``) as 0-d arrays.

NOTE: NumPy 2 converts a Python number in a ufunc call by the weak-scalar rules of NEP 50,
which costs about 0.3 us a call: as much as the arithmetic itself on a small array. A 0-d
array of the other operand's dtype gives the same result, bit for bit and dtype for dtype,
in half the time. So the hottest formulas write ``ONE[y.dtype] - y`` for ``1 - y``: the
tutorial's XOR step (two sigmoids, MSE, four SGD updates) runs 6% faster for it.

``ONE[dtype]`` is a read-only 0-d array of that NumPy dtype, made on first use. For a
chainrule dtype (a recorded backward pass computes on Tensors) it is the number itself,
so one formula serves both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ONE", "ZERO", "ByDtype"]


class ByDtype(dict):
    """``value`` as a read-only 0-d array of each NumPy dtype it is looked up with."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        super().__init__()
        self.value = value

    def __missing__(self, dtype):
        if isinstance(dtype, np.dtype):
            constant = np.array(self.value, dtype)
            constant.flags.writeable = False
        else:  # a Tensor's dtype: Tensor arithmetic takes the Python number
            constant = self.value
        self[dtype] = constant
        return constant


ZERO = ByDtype(0)
ONE = ByDtype(1)
