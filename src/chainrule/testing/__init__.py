"""Testing helpers for people writing their own ops: check them against PyTorch.

* ``compare_with_torch(fn, *inputs)`` runs ``fn(lib, *tensors)`` once with ``lib = chainrule``
  and once with ``lib = torch`` on tensors built from the same arrays, backpropagates the
  same random upstream gradient through both, and reports the largest difference of every
  output and every input gradient in a table. ``assert_matches_torch`` raises with that
  table instead.
* ``assert_close(actual, expected)`` is ``torch.testing.assert_close`` for chainrule Tensors,
  NumPy arrays, numbers and nested sequences/mappings of them, with PyTorch's default
  tolerances and error messages.

PyTorch is imported only when ``compare_with_torch`` runs (``pip install "chainrule[compare]"``).
"""

from ._close import assert_close
from ._compare import Comparison, assert_matches_torch, compare_with_torch

__all__ = ["Comparison", "assert_close", "assert_matches_torch", "compare_with_torch"]
