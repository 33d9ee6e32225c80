"""The op table: one row per differentiable op, driving parity, gradcheck and gradgradcheck.

A row's ``fn(lib, *tensors, **params)`` is written once and runs on both libraries
(``lib`` is ``chainrule`` or ``torch``). Rows live in one ``rows_*.py`` module per kind of
op; ``opspec.py`` defines ``Row`` and the shape strategies.
"""

from __future__ import annotations

from opspec import Row, make_inputs
from rows_core import ROWS as CORE_ROWS
from rows_elementwise import ROWS as ELEMENTWISE_ROWS
from rows_linalg import ROWS as LINALG_ROWS
from rows_reduction import ROWS as REDUCTION_ROWS
from rows_shape import ROWS as SHAPE_ROWS

ROWS: list[Row] = [*CORE_ROWS, *ELEMENTWISE_ROWS, *REDUCTION_ROWS, *SHAPE_ROWS, *LINALG_ROWS]
ROW_IDS = [r.name for r in ROWS]

__all__ = ["ROWS", "ROW_IDS", "Row", "make_inputs"]
