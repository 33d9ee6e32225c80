"""``compare_with_torch``: run one function on chainrule and on PyTorch, compare outputs and
gradients, and report the differences in a table."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np

from .._optional import require
from ..tensor import Tensor
from ._close import _differences, _is_torch_tensor

__all__ = ["Comparison", "assert_matches_torch", "compare_with_torch"]


@dataclass
class Row:
    """One compared quantity: an output's values or an input's gradient."""

    name: str
    shape: tuple | None
    dtype: str
    max_abs: float | None
    max_rel: float | None
    ok: bool
    note: str = ""


@dataclass
class Comparison:
    """What ``compare_with_torch`` found: one row per output and per input gradient.

    ``ok`` is True when every row agrees; ``str(report)`` is a readable table."""

    title: str
    rtol: float
    atol: float
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def __str__(self) -> str:
        header = ("quantity", "shape", "dtype", "max abs diff", "max rel diff", "result")
        table = [header]
        for r in self.rows:
            shape = "-" if r.shape is None else str(tuple(r.shape))
            table.append(
                (r.name, shape, r.dtype, _num(r.max_abs), _num(r.max_rel), "ok" if r.ok else "FAIL")
            )
        widths = [max(len(line[k]) for line in table) for k in range(len(header))]
        text = [f"{self.title} vs PyTorch (rtol={self.rtol:g}, atol={self.atol:g})"]
        for line, row in zip(table, [None, *self.rows]):
            cells = "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
            text.append(cells + (f"  ({row.note})" if row is not None and row.note else ""))
        verdict = "all match" if self.ok else f"{sum(not r.ok for r in self.rows)} mismatch(es)"
        text.append(verdict)
        return "\n".join(text)


def compare_with_torch(
    fn,
    *inputs,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    grad: bool = True,
    seed: int = 0,
    reference=None,
) -> Comparison:
    """Run ``fn`` on chainrule and on PyTorch tensors built from the same ``inputs`` and
    compare every output and, after backpropagating the same upstream gradient, every
    input's gradient.

    Calling convention: ``fn(lib, *tensors)``, where ``lib`` is the ``chainrule`` module on
    one run and ``torch`` on the other, so ``fn`` may call ``lib.sigmoid(x)``,
    ``lib.nn.functional.relu(x)`` or tensor methods. To compare your own op with a PyTorch
    formula, pass ``reference`` (same convention), which replaces ``fn`` on the PyTorch run::

        compare_with_torch(lambda lib, x: MySquare.apply(x), x_array,
                           reference=lambda lib, x: x * x)

    ``inputs`` are NumPy arrays or nested numbers (constants belong in ``fn``'s closure);
    floating ones require grad when ``grad`` is True. ``fn`` returns a Tensor or a
    tuple/list of Tensors. The upstream gradient is standard normal from ``seed``. Values
    agree when ``|chainrule - torch| <= atol + rtol * |torch|`` elementwise (NaN matches
    NaN); shapes and dtypes must be equal. Returns a ``Comparison``.
    """
    torch = require("torch", "compare_with_torch")
    import chainrule

    arrays = [_as_array(a) for a in inputs]
    needs = [grad and a.dtype.kind == "f" for a in arrays]
    ours = [chainrule.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, needs)]
    theirs = [torch.tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, needs)]
    chainrule.manual_seed(seed)
    torch.manual_seed(seed)
    outs_ours = _outputs(fn(chainrule, *ours))
    outs_theirs = _outputs((reference or fn)(torch, *theirs))

    report = Comparison(getattr(fn, "__name__", "fn"), rtol, atol)
    if len(outs_ours) != len(outs_theirs):
        note = f"chainrule returned {len(outs_ours)} outputs, torch {len(outs_theirs)}"
        report.rows.append(Row("outputs", None, "-", None, None, False, note))
        return report
    single = len(outs_ours) == 1
    back_ours, back_theirs, seeds = [], [], []
    rng = np.random.default_rng(seed)
    for k, (o, t) in enumerate(zip(outs_ours, outs_theirs)):
        name = "output" if single else f"output[{k}]"
        a, b = _np(o), _np(t)
        report.rows.append(_compare_arrays(name, a, b, rtol, atol))
        o_req = isinstance(o, Tensor) and o.requires_grad
        t_req = bool(getattr(t, "requires_grad", False))
        if o_req != t_req:
            note = f"requires_grad is {o_req} in chainrule, {t_req} in torch"
            report.rows.append(Row(f"{name}.requires_grad", None, "-", None, None, False, note))
        elif o_req and a.shape == b.shape:
            g = rng.standard_normal(a.shape).astype(a.dtype)
            back_ours.append(o)
            back_theirs.append(t)
            seeds.append(g)
    if not back_ours:
        return report
    chainrule.autograd.backward(back_ours, [chainrule.tensor(g) for g in seeds])
    torch.autograd.backward(back_theirs, [torch.tensor(g) for g in seeds])
    for name, o, t, r in zip(_input_names(fn, len(arrays)), ours, theirs, needs):
        if not r:
            continue
        if o.grad is None or t.grad is None:
            got = {True: "no gradient", False: "a gradient"}
            note = f"chainrule gives {got[o.grad is None]}, torch {got[t.grad is None]}"
            same = o.grad is None and t.grad is None
            report.rows.append(Row(f"{name}.grad", None, "-", None, None, same, note))
        else:
            report.rows.append(
                _compare_arrays(f"{name}.grad", _np(o.grad), _np(t.grad), rtol, atol)
            )
    return report


def assert_matches_torch(fn, *inputs, **options) -> Comparison:
    """``compare_with_torch`` that raises AssertionError (with the table) on any mismatch."""
    report = compare_with_torch(fn, *inputs, **options)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def _compare_arrays(name: str, a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> Row:
    dtype = str(a.dtype) if a.dtype == b.dtype else f"{a.dtype} vs {b.dtype}"
    if a.shape != b.shape:
        note = f"shape {tuple(a.shape)} in chainrule, {tuple(b.shape)} in torch"
        return Row(name, a.shape, dtype, None, None, False, note)
    abs_diff, rel_diff, matches = _differences(a, b, rtol, atol, equal_nan=True, mask=False)
    ok = bool(matches.all()) and a.dtype == b.dtype
    note = "" if a.dtype == b.dtype else "dtypes differ"
    if not matches.all():
        note = ", ".join(filter(None, [note, f"{int((~matches).sum())} of {a.size} differ"]))
    max_abs = float(abs_diff.max()) if abs_diff.size else 0.0
    max_rel = float(rel_diff.max()) if rel_diff.size else 0.0
    return Row(name, a.shape, dtype, max_abs, max_rel, ok, note)


def _as_array(a) -> np.ndarray:
    if isinstance(a, Tensor):
        return a.detach().numpy()
    if _is_torch_tensor(a):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _np(x) -> np.ndarray:
    if isinstance(x, Tensor) or _is_torch_tensor(x):
        return _as_array(x)
    return np.asarray(x)


def _input_names(fn, n: int) -> list[str]:
    """The names of ``fn``'s tensor parameters (after ``lib``), for the report's rows."""
    fallback = [f"input[{i}]" for i in range(n)]
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return fallback
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in positional]
    return names[:n] + fallback[len(names[:n]) :]


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"
