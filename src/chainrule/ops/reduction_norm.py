"""``norm`` (``torch.norm`` / ``Tensor.norm``): PyTorch's older entry point to the norms.

As in PyTorch, it only chooses between ``linalg.vector_norm`` and ``linalg.matrix_norm``
(``ops/linalg_norm.py``), which hold the maths and the gradients: 'fro' over at most two
dims and every numeric ``p`` are vector norms of the flattened dims; 'nuc' (and any other
string) goes to the matrix norm.
"""

from __future__ import annotations

from ..tensor import Tensor
from .linalg_norm import matrix_norm, vector_norm

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "norm",
]


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The p-norm of ``input`` over ``dim`` (all elements when None), as ``torch.norm``.

    ``p`` may be any real number, ``inf``, ``-inf``, ``'fro'`` (the 2-norm of the values) or
    ``'nuc'``; ``dtype`` casts the input first. The 2-norm's gradient at 0 is 0, as PyTorch's.
    """
    dims = [dim] if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        if dims is None:
            dims = list(range(input.ndim))
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dims, keepdim, dtype=dtype)
