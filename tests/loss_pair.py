"""Run a loss function in chainrule and in PyTorch on the same NumPy inputs and compare the
values and the gradients with respect to every input that asks for one."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF

import chainrule
import chainrule.nn.functional as CF
from nnpair import assert_close

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def _tol(*arrays):
    floats = [a.dtype.name for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    return TOL["float32" if "float32" in floats else "float64"]


def _convert(value, requires_grad: bool):
    """A NumPy array as a (chainrule, torch) pair of leaves; anything else twice."""
    if isinstance(value, np.ndarray):
        rg = requires_grad and value.dtype.kind == "f"
        return (
            chainrule.tensor(value.copy(), requires_grad=rg),
            torch.tensor(value.copy(), requires_grad=rg),
        )
    return value, value


def run_both(name, *args, grad=(0,), seed=0, tol=None, **kwargs):
    """``F.<name>(*args, **kwargs)`` in both libraries; the positional arrays at indices in
    ``grad`` are leaves requiring grad. Checks the output, then back-propagates one random
    upstream gradient through both and checks each leaf's gradient (nan matches nan).
    Returns the two outputs."""
    tol = tol or _tol(*args, *kwargs.values())
    pairs = [_convert(a, i in grad) for i, a in enumerate(args)]
    kw_pairs = {k: _convert(v, False) for k, v in kwargs.items()}
    c_out = getattr(CF, name)(*[c for c, _ in pairs], **{k: c for k, (c, _) in kw_pairs.items()})
    t_out = getattr(TF, name)(*[t for _, t in pairs], **{k: t for k, (_, t) in kw_pairs.items()})
    assert_close(c_out, t_out, what=f"{name} value", **tol)
    if t_out.requires_grad:
        g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
        g = g.astype(t_out.detach().numpy().dtype)
        c_out.backward(chainrule.tensor(g))
        t_out.backward(torch.tensor(g))
        for i, (c, t) in enumerate(pairs):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                assert_close(c.grad, t.grad, what=f"{name} grad of argument {i}", **tol)
    return c_out, t_out


def same_error(name, *args, match=None, **kwargs):
    """Both libraries raise the same exception type (or a subclass) for
    ``F.<name>(*args, **kwargs)`` (NumPy arrays become tensors); ``match`` (a substring)
    must appear in chainrule's message. Returns chainrule's exception."""
    c_args = [_convert(a, False)[0] for a in args]
    t_args = [_convert(a, False)[1] for a in args]
    c_kw = {k: _convert(v, False)[0] for k, v in kwargs.items()}
    t_kw = {k: _convert(v, False)[1] for k, v in kwargs.items()}
    try:
        getattr(TF, name)(*t_args, **t_kw)
    except Exception as e:  # noqa: BLE001 - any exception type is the oracle
        t_exc = e
    else:
        raise AssertionError(f"torch's {name} raised nothing for this case")
    try:
        getattr(CF, name)(*c_args, **c_kw)
    except Exception as e:  # noqa: BLE001
        c_exc = e
    else:
        raise AssertionError(f"chainrule's {name} raised nothing; torch raised {t_exc!r}")
    # chainrule's exception must be catchable as torch's (NotImplementedError for a
    # RuntimeError is fine: it is a subclass, as in PyTorch).
    assert isinstance(c_exc, type(t_exc)), f"chainrule raised {c_exc!r}, torch raised {t_exc!r}"
    if match is not None:
        assert match in str(c_exc), f"{match!r} not in {str(c_exc)!r}"
    return c_exc
