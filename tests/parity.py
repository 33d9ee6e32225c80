"""The parity helper: run one function on chainrule and on PyTorch, compare everything.

``check_parity(fn, arrays, dtype=...)`` builds a chainrule leaf and a PyTorch leaf from each
array, runs ``fn(lib, *leaves)`` with ``lib`` being the ``chainrule`` module or ``torch``
(so one function body serves both libraries), and asserts that outputs, dtypes and every
input's gradient agree, using a random upstream gradient (never all-ones, which hides
transposes and broadcasting mistakes). With ``second_order=True`` it also differentiates the
gradients again (``create_graph=True``) and compares the second derivatives.
"""

from __future__ import annotations

import numpy as np
import torch

import chainrule

TOLERANCES = {"float64": dict(rtol=1e-7, atol=1e-10), "float32": dict(rtol=1e-4, atol=1e-5)}


def _leaves(arrays, dtype: str, grad_mask):
    crs, ts = [], []
    for a, wants_grad in zip(arrays, grad_mask):
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        crs.append(chainrule.tensor(a, requires_grad=wants_grad and a.dtype.kind == "f"))
        ts.append(torch.tensor(a, requires_grad=wants_grad and a.dtype.kind == "f"))
    return crs, ts


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True)
    return np.asarray(x.detach())


def _assert_close(actual, expected, dtype: str, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        err_msg=what,
        **TOLERANCES[dtype],
    )


def _as_outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_parity(
    fn, arrays, *, dtype: str = "float64", seed: int = 0, second_order=False, grad_mask=None
) -> None:
    """Assert ``fn`` gives PyTorch's values, dtypes and gradients (see module docstring)."""
    rng = np.random.default_rng(seed)
    grad_mask = grad_mask or [True] * len(arrays)
    crs, ts = _leaves(arrays, dtype, grad_mask)
    out_c, out_t = _as_outputs(fn(chainrule, *crs)), _as_outputs(fn(torch, *ts))
    assert len(out_c) == len(out_t)
    for k, (c, t) in enumerate(zip(out_c, out_t)):
        assert tuple(c.shape) == tuple(t.shape), (
            f"output {k}: shape {tuple(c.shape)} vs {tuple(t.shape)}"
        )
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (
            f"output {k}: dtype {c.dtype} vs {t.dtype}"
        )
        if t.dtype.is_floating_point:
            _assert_close(_np(c), _np(t), dtype, f"output {k} values")
        else:
            np.testing.assert_array_equal(_np(c), _np(t), err_msg=f"output {k} values")
        assert c.requires_grad == t.requires_grad, f"output {k}: requires_grad differs"

    pairs = [(c, t) for c, t in zip(out_c, out_t) if t.requires_grad]
    diff_c = [x for x, m in zip(crs, grad_mask) if x.requires_grad]
    diff_t = [x for x, m in zip(ts, grad_mask) if x.requires_grad]
    if not pairs or not diff_t:
        return
    seeds = [rng.standard_normal(tuple(t.shape)).astype(dtype) for _, t in pairs]
    g_c = chainrule.autograd.grad(
        [c for c, _ in pairs],
        diff_c,
        [chainrule.tensor(s) for s in seeds],
        allow_unused=True,
        create_graph=second_order,
    )
    g_t = torch.autograd.grad(
        [t for _, t in pairs],
        diff_t,
        [torch.tensor(s) for s in seeds],
        allow_unused=True,
        create_graph=second_order,
    )
    for i, (gc, gt) in enumerate(zip(g_c, g_t)):
        expected = np.zeros(tuple(diff_t[i].shape)) if gt is None else _np(gt)
        actual = np.zeros(tuple(diff_c[i].shape)) if gc is None else _np(gc)
        if gc is not None:
            assert tuple(gc.shape) == tuple(diff_c[i].shape), f"grad {i} shape"
            assert gc.dtype == diff_c[i].dtype, f"grad {i}: dtype {gc.dtype} drifted from input's"
        _assert_close(actual, expected, dtype, f"gradient of input {i}")

    if not second_order:
        return
    # Second order: d/dx of sum_i <grad_i, v_i> with random v_i.
    vs = [rng.standard_normal(tuple(x.shape)).astype(dtype) for x in diff_t]
    terms_t = [
        (g * torch.tensor(v)).sum() for g, v in zip(g_t, vs) if g is not None and g.requires_grad
    ]
    terms_c = [
        (g * chainrule.tensor(v)).sum()
        for g, v in zip(g_c, vs)
        if g is not None and g.requires_grad
    ]
    gg_t = (
        torch.autograd.grad(sum(terms_t), diff_t, allow_unused=True)
        if terms_t
        else [None] * len(diff_t)
    )
    gg_c = (
        chainrule.autograd.grad(_total(terms_c), diff_c, allow_unused=True)
        if terms_c
        else [None] * len(diff_c)
    )
    for i, (gc, gt) in enumerate(zip(gg_c, gg_t)):
        expected = np.zeros(tuple(diff_t[i].shape)) if gt is None else _np(gt)
        actual = np.zeros(tuple(diff_c[i].shape)) if gc is None else _np(gc)
        _assert_close(actual, expected, dtype, f"second derivative for input {i}")


def _total(terms):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total
