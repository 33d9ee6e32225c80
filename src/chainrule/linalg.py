"""``chainrule.linalg``: PyTorch's ``torch.linalg`` namespace.

Norms (``norm``, ``vector_norm``, ``matrix_norm``, ``svdvals``), the inverse, the
determinant and linear solves; every function works on batches of matrices and is
differentiable. The maths live in ``ops/matrix.py`` and ``ops/linalg_norm.py``.
"""

from __future__ import annotations

from .ops.linalg import matmul
from .ops.linalg_norm import matrix_norm, norm, svdvals, vector_norm
from .ops.matrix import LinAlgError, det, inv, solve

__all__ = [
    "LinAlgError",
    "norm",
    "vector_norm",
    "matrix_norm",
    "svdvals",
    "inv",
    "det",
    "solve",
    "matmul",
]
