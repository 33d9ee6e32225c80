"""Tensor methods that reshape, view and index."""

from __future__ import annotations

from ..ops.shape import clone, expand, getitem, reshape, transpose, view


class ShapeMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    def __getitem__(self, key):
        return getitem(self, key)

    # ------------------------------------------------------------------ methods (torch names)
    def reshape(self, *shape):
        return reshape(self, *shape)

    def view(self, *shape):
        return view(self, *shape)

    def expand(self, *sizes):
        return expand(self, *sizes)

    def transpose(self, dim0: int, dim1: int):
        return transpose(self, dim0, dim1)

    def swapaxes(self, axis0: int, axis1: int):
        return transpose(self, axis0, axis1)

    def clone(self):
        return clone(self)
