"""Tensor methods for linear algebra (beyond ``@``, which lives with the operators)."""

from __future__ import annotations

from ..ops.linalg import bmm, dot, mm, mv, outer
from ..ops.matrix import det, inverse


class LinalgMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    def mm(self, mat2):
        return mm(self, mat2)

    def bmm(self, mat2):
        return bmm(self, mat2)

    def mv(self, vec):
        return mv(self, vec)

    def dot(self, other):
        return dot(self, other)

    def outer(self, vec2):
        return outer(self, vec2)

    def ger(self, vec2):
        return outer(self, vec2)

    def det(self):
        return det(self)

    def inverse(self):
        return inverse(self)
