"""``quiet`` and ``quietly``: run NumPy with its floating-point warnings off, cheaply.

PyTorch returns inf and nan silently (``x / 0``, ``log(0)``, ``exp(1000)``); NumPy computes
the same values but also warns. Ops that can produce them wrap the NumPy call in ``quiet``.
``np.errstate(all="ignore")`` does the same but costs about 1.2 us per use, as much as a
small op itself.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- NumPy's warnings
# PyTorch returns inf and nan silently (log(0), 1 / 0, exp(1e4), sqrt(-1)), NumPy warns: an op
# whose result may be non-finite computes under ``quiet()`` (a context manager) or
# ``quietly(f, *args)`` (one call). Both set the context variable that ``np.errstate`` sets,
# without errstate's argument handling. Measured per use (NumPy 2.4, a 1-element and a
# 16x16 float32 array): ``quietly`` ~0.1-0.2 us, ``with quiet()`` ~0.3-0.4 us, ``with
# np.errstate(...)`` ~1.2 us, a pre-check such as ``b.all()`` ~1.1 us (and it misses overflow).
# On the hottest ops (div, exp, log, pow: ~3.5 us a call) the difference is worth having.
try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # a NumPy that moved its internals: the public, slower spelling

    def quiet():
        return np.errstate(all="ignore")

    def quietly(f, *args):
        with np.errstate(all="ignore"):
            return f(*args)

    _IGNORE = None  # the token-style spelling below, for callers that inline ``quiet``

    def _set_errstate(_):
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def _reset_errstate(state):
        state.__exit__(None, None, None)

else:
    # Made once (errstate makes it per use); it keeps the buffer size of import time, which
    # only tunes the speed of ufuncs that cast.
    _IGNORE = _make_extobj(all="ignore")
    _set_errstate = _extobj_contextvar.set
    _reset_errstate = _extobj_contextvar.reset

    class quiet:
        """``with quiet():`` NumPy's floating-point warnings off (``np.errstate(all='ignore')``)."""

        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _set_errstate(_IGNORE)

        def __exit__(self, *exc):
            _reset_errstate(self._token)

    def quietly(f, *args):
        """``f(*args)`` with NumPy's floating-point warnings off."""
        token = _set_errstate(_IGNORE)
        try:
            return f(*args)
        finally:
            _reset_errstate(token)
