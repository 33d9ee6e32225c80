"""``repr(tensor)`` in PyTorch's format: ``tensor([1.0000, 2.5000], requires_grad=True)``.

PyTorch's rules, restated: floats print with 4 decimals, or as ``1.`` when every value is
an integer, or in scientific notation when the magnitudes span more than 1000x or leave
[1e-4, 1e8]; all elements share one width; tensors over 1000 elements are summarised with
3 items at each edge; lines wrap at 80 columns.
"""

from __future__ import annotations

import numpy as np

from ._dtype import default_float_np, from_numpy_dtype

_THRESHOLD = 1000
_EDGE = 3
_LINEWIDTH = 80


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)].astype(np.float64)
    nonzero = np.abs(finite[finite != 0])
    if finite.size and np.all(finite == np.ceil(finite)):
        if nonzero.size and (nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8):
            return lambda v: _special(v) or f"{v:.4e}"
        return lambda v: _special(v) or f"{v:.0f}."
    if nonzero.size and (
        nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8 or nonzero.min() < 1e-4
    ):
        return lambda v: _special(v) or f"{v:.4e}"
    return lambda v: _special(v) or f"{v:.4f}"


def _special(v) -> str | None:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summarised_values(a: np.ndarray) -> np.ndarray:
    """The elements that will be printed (edges only for large tensors)."""
    if a.size <= _THRESHOLD:
        return a.ravel()
    parts = [a]
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * _EDGE:
            idx = list(range(_EDGE)) + list(range(a.shape[axis] - _EDGE, a.shape[axis]))
            parts = [p.take(idx, axis=axis) for p in parts]
    return parts[0].ravel()


def _format_body(a: np.ndarray, indent: int) -> str:
    kind = a.dtype.kind
    shown = _summarised_values(a)
    if kind == "f":
        fmt = _float_formatter(shown)
    elif kind == "b":
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    else:
        fmt = lambda v: str(int(v))  # noqa: E731
    width = max((len(fmt(v)) for v in shown), default=0)
    summarise = a.size > _THRESHOLD

    def fmt_el(v) -> str:
        return fmt(v).rjust(width)

    def rec(x: np.ndarray, depth: int) -> str:
        if x.ndim == 0:
            return fmt_el(x.item())
        n = x.shape[0]
        if summarise and n > 2 * _EDGE:
            idx = list(range(_EDGE)) + [None] + list(range(n - _EDGE, n))
        else:
            idx = list(range(n))
        if x.ndim == 1:
            items = [" ..." if i is None else fmt_el(x[i].item()) for i in idx]
            per_line = max(1, (_LINEWIDTH - indent - depth) // (width + 2))
            lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
            sep = ",\n" + " " * (indent + depth + 1)
            return "[" + sep.join(lines) + "]"
        newlines = "\n" * (x.ndim - 1)
        sep = "," + newlines + " " * (indent + depth + 1)
        rows = ["..." if i is None else rec(x[i], depth + 1) for i in idx]
        return "[" + sep.join(rows) + "]"

    return rec(a, 0)


def tensor_repr(t) -> str:
    a = t._data
    prefix = "tensor("
    suffixes = []
    if a.size == 0 and a.shape != (0,):
        body = "[]"
        suffixes.append(f"size={tuple(a.shape)}")
    else:
        body = _format_body(a, len(prefix))
    default = {"f": default_float_np(), "b": np.dtype(np.bool_)}.get(
        a.dtype.kind, np.dtype(np.int64)
    )
    # an empty tensor has no values to show its dtype, so any non-float dtype is spelled out
    if a.dtype != default or (a.size == 0 and a.dtype.kind != "f"):
        suffixes.append(f"dtype={from_numpy_dtype(a.dtype)!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
