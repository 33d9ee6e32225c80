"""The base class of chainrule's built-in ops."""

from __future__ import annotations

from ..autograd.function import Function


class Op(Function):
    """A built-in op: ``forward`` and ``backward`` compute on NumPy arrays.

    When the backward pass is itself recorded (``create_graph=True``), ``backward`` receives
    Tensors instead, and ``ctx.saved_tensors`` returns Tensors wired into the graph; so a
    formula must use only operators and the helpers in ``ops/_dual.py``, which work on both.

    ``backward`` runs with NumPy's floating-point warnings off (the engine sets that once per
    pass), so a formula may produce inf/nan as PyTorch's does without guarding itself.

    Contract for ``backward``: return one gradient per forward input, in the broadcast output
    shape (the engine reduces it to the input's shape and dtype), never the same fresh array
    object for two inputs, and never an array that ``forward`` saved.
    """

    _raw = True
