"""Tensor methods for linear algebra (beyond ``@``)."""

from __future__ import annotations


class LinalgMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()
