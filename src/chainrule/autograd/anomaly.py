"""Anomaly mode: trace a bad gradient back to the forward line that caused it.

A NaN that appears during backward usually has its cause in a forward line far away (a
``sqrt`` at 0, a ``log`` of a negative number). Under ``detect_anomaly()``:

* every recorded graph node keeps the stack of the forward call that created it
  (``node._forward_trace``), with chainrule's own frames left out, so only the user's lines
  show;
* during backward, a node whose gradient contains NaN raises PyTorch's error, "Function
  'SqrtBackward0' returned nan values in its 0th output.", followed in the message itself by
  "Traceback of forward call that caused the error:" and that stack. PyTorch prints the
  stack as a separate warning; chainrule puts it in the message, so it cannot be lost to a
  warnings filter or scrolled past;
* any other exception raised while a node runs its backward keeps its type and message and
  gains the same stack as a note (``add_note``, shown under the traceback; on Python 3.10,
  which has no notes, as a ``UserWarning``, as PyTorch does), and as its ``forward_trace``
  attribute.

Like PyTorch's ``AnomalyMode``, the switch is one process-wide flag, not per thread.
Inf is allowed (``sqrt``'s gradient at 0 is inf in PyTorch too); only NaN is an anomaly.

When the mode is off, nothing here runs: ``Function.apply`` reads one flag when it records a
node, and the engine reads it once per backward call.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import traceback
import warnings

import numpy as np

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]


class _AnomalyState:
    """The process-wide switch (PyTorch's AnomalyMode is global, not thread-local)."""

    enabled = False
    check_nan = True


state = _AnomalyState()

# The node whose backward is running in this thread: a node recorded meanwhile (create_graph)
# remembers its trace as the "previous calculation", as PyTorch reports it.
_running = threading.local()

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

_NO_TRACE = (
    "No forward pass information available. Enable detect anomaly during forward pass for "
    "more information."
)


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on."""
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly mode also checks backward results for NaN."""
    return state.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly mode on or off (``torch.set_anomaly_enabled``)."""
    state.enabled = bool(enabled)
    state.check_nan = bool(check_nan)


class detect_anomaly:  # noqa: N801 - torch spelling
    """Context manager (and, unlike PyTorch's, also a decorator) that turns anomaly mode on.

    Forward calls made inside record where each node came from; a backward that produces
    NaN raises an error naming the node and showing that forward line. Slow: for debugging.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev: list = []
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and "
            "should only be enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        self._prev.append((state.enabled, state.check_nan))
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self._prev.pop())

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:  # _prev is a stack, so recursive calls restore correctly
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801
    """Set anomaly mode to ``mode``: at once when called, and as a context manager the
    previous setting comes back on exit (PyTorch's semantics)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (state.enabled, state.check_nan)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self._prev)


# --- used by Function.apply and the engine, only while the mode is on ----------------------
class ForwardTrace:
    """Where a node was recorded: the user's frames, and the trace of the node whose
    backward was running at the time (for nodes recorded by a ``create_graph`` pass)."""

    __slots__ = ("frames", "parent")

    def __init__(self, frames: list, parent: ForwardTrace | None) -> None:
        self.frames = frames
        self.parent = parent

    def format(self) -> str:
        parts = ["Traceback of forward call that caused the error:\n"]
        trace: ForwardTrace | None = self
        while trace is not None:
            parts.extend(traceback.format_list(trace.frames))
            trace = trace.parent
            if trace is not None:
                parts.append("\nTraceback of forward call that induced the previous calculation:\n")
        return "".join(parts).rstrip("\n")


def capture() -> ForwardTrace:
    """The current stack without chainrule's frames (source lines are read only if shown)."""
    frames = []
    f = sys._getframe(1)
    while f is not None:
        code = f.f_code
        if not code.co_filename.startswith(_PACKAGE_DIR):
            frames.append(
                traceback.FrameSummary(
                    code.co_filename, f.f_lineno, code.co_name, lookup_line=False
                )
            )
        f = f.f_back
    frames.reverse()
    parent = getattr(_running, "node", None)
    return ForwardTrace(frames, None if parent is None else parent._forward_trace)


def _trace_text(node) -> str:
    trace = node._forward_trace
    return _NO_TRACE if trace is None else trace.format()


def check_nan(node, grads: tuple) -> None:
    """Raise if a gradient that ``node.backward`` returned has NaN.

    As in PyTorch, everything a custom Function returns is checked, even a gradient for an
    input that needs none; built-in ops may fill such a slot with an unused value (PyTorch's
    never compute it), so for them only the gradients that flow on are checked.
    """
    edges = node._next
    for i, g in enumerate(grads):
        if g is None or (node._raw and edges[i] is None):
            continue
        arr = np.asarray(getattr(g, "_data", g))
        if arr.dtype.kind in "fc" and np.isnan(arr).any():
            text = _trace_text(node)
            err = RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n\n{text}"
            )
            err.forward_trace = text
            raise err


def run_node(run, node, grads, graph, node_buf, leaf_buf, heap=None) -> None:
    """Run ``run`` (the engine's node runner) for ``node`` with anomaly checks."""
    prev = getattr(_running, "node", None)
    _running.node = node
    try:
        run(node, grads, graph, node_buf, leaf_buf, heap, state.check_nan)
    except Exception as e:
        if getattr(e, "forward_trace", None) is None:  # innermost node wins
            _annotate(e, node)
        raise
    finally:
        _running.node = prev


def _annotate(e: Exception, node) -> None:
    text = _trace_text(node)
    try:
        e.forward_trace = text
    except AttributeError:  # an exception type with __slots__: notes still work
        pass
    note = f"Error detected in {node.name()}. {text}"
    if hasattr(e, "add_note"):
        e.add_note(note)
    else:  # Python 3.10
        warnings.warn(note, stacklevel=4)
