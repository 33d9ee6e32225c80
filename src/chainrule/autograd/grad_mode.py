"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ...).

The flag is thread-local, as in PyTorch. Each manager works both as a context manager and
as a decorator (``@no_grad()`` or bare ``@no_grad``).
"""

from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _GradState(threading.local):
    enabled = True  # class attribute: the default for every new thread


state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return state.enabled


class _GradModeManager:
    """Base: subclasses set ``_mode``; entering sets it, leaving restores the previous one."""

    _mode: bool

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if callable(func):  # used bare as a decorator: @no_grad
            return self(func)
        return self

    def __enter__(self) -> None:
        self._prev = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc) -> None:
        state.enabled = self._prev

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeManager):  # noqa: N801 - torch spelling
    """Disable graph recording: results of operations do not require grad."""

    _mode = False


class enable_grad(_GradModeManager):  # noqa: N801
    """Re-enable graph recording inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled:  # noqa: N801
    """Set grad mode to ``mode``. Takes effect at once when called, and as a context manager
    restores the previous mode on exit (PyTorch's semantics)."""

    def __init__(self, mode: bool) -> None:
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        state.enabled = self._prev

    def __call__(self, func):
        mode = self._mode
        state.enabled = self._prev  # used as a decorator: the call above must not stick

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper
