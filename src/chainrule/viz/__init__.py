"""``chainrule.viz``: draw the computational graph and plot training (being written)."""

from __future__ import annotations

__all__: list[str] = []
