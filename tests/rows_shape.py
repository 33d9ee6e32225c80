"""Op-table rows: shape ops (issue 3)."""

from __future__ import annotations

from opspec import Row

ROWS: list[Row] = []
