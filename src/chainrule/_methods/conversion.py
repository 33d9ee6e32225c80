"""Tensor methods that change dtype."""

from __future__ import annotations

from ..ops.shape import to


class ConversionMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    def to(self, dtype, *, copy: bool = False):
        return to(self, dtype, copy=copy)
