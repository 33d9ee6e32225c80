"""Op-table rows: elementwise ops (issue 3)."""

from __future__ import annotations

from opspec import Row

ROWS: list[Row] = []
