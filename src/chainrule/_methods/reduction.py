"""Tensor methods that reduce over dimensions."""

from __future__ import annotations

from ..ops.reduction import mean, sum


class ReductionMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    def sum(self, dim=None, keepdim: bool = False, *, dtype=None):
        return sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim: bool = False, *, dtype=None):
        return mean(self, dim, keepdim, dtype=dtype)
