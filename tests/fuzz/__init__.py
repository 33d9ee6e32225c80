"""Differential fuzzing of chainrule against PyTorch (issue 7).

Random programs of 3 to 20 ops (``programs.py``; the op menu is ``ops.py``) run on both
libraries; ``compare.py`` requires the same values at every step, the same leaf gradients
after a weighted-sum backward, and the same errors. ``tests/test_fuzz.py`` runs a fixed
budget in ``make test``; ``python -m tests.fuzz`` runs a long campaign (``make fuzz``).
"""

from .compare import check, compare, failure_message, shrink
from .programs import Program, generate, to_text

__all__ = ["Program", "check", "compare", "failure_message", "generate", "shrink", "to_text"]
