"""``chainrule.utils``: data loading (``chainrule.utils.data``)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
