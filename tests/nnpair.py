"""Run a chainrule module and its PyTorch twin side by side, from identical weights.

``check_module(c_mod, t_mod, *inputs)`` copies the PyTorch twin's weights into the chainrule
module through ``state_dict`` (so the key names are checked too), runs both forwards on the
same inputs, back-propagates the same random upstream gradient, and compares the outputs,
the inputs' gradients and every parameter's gradient.
"""

from __future__ import annotations

import math

import numpy as np
import torch

import chainrule


def to_chainrule(value):
    """A torch tensor (or nested tuple/list/dict of them) as chainrule tensors (copied)."""
    if isinstance(value, torch.Tensor):
        return chainrule.tensor(value.detach().numpy().copy())
    if isinstance(value, (list, tuple)):
        return type(value)(to_chainrule(v) for v in value)
    if isinstance(value, dict):
        return {k: to_chainrule(v) for k, v in value.items()}
    return value


def copy_weights(c_mod, t_mod) -> None:
    """Load the PyTorch module's state_dict into the chainrule module (strict keys)."""
    c_mod.load_state_dict(to_chainrule(t_mod.state_dict()), strict=True)


def _flat(out):
    if isinstance(out, (tuple, list)):
        result = []
        for o in out:
            result.extend(_flat(o))
        return result
    return [out]


def assert_close(c, t, rtol=1e-5, atol=1e-6, what="value"):
    """A chainrule tensor equals a torch tensor in shape, dtype and values."""
    assert (c is None) == (t is None), f"{what}: {c!r} vs {t!r}"
    if c is None:
        return
    c_arr = np.asarray(c.detach().numpy())
    t_arr = t.detach().numpy()
    assert c_arr.shape == t_arr.shape, f"{what}: shape {c_arr.shape} vs {t_arr.shape}"
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (
        f"{what}: dtype {c.dtype} vs {t.dtype}"
    )
    np.testing.assert_allclose(c_arr, t_arr, rtol=rtol, atol=atol, err_msg=what)


def check_module(
    c_mod,
    t_mod,
    *inputs,
    rtol=1e-5,
    atol=1e-6,
    train=True,
    grad_inputs=True,
    copy=True,
    seed=0,
):
    """Forward and backward parity of ``c_mod`` with ``t_mod``; returns both outputs.

    ``inputs`` are NumPy arrays (floating ones become leaves requiring grad when
    ``grad_inputs``) or other values passed unchanged to both modules.
    """
    if copy:
        copy_weights(c_mod, t_mod)
    c_mod.train(train)
    t_mod.train(train)
    c_in, t_in = [], []
    for x in inputs:
        if isinstance(x, np.ndarray):
            rg = grad_inputs and x.dtype.kind == "f"
            c_in.append(chainrule.tensor(x.copy(), requires_grad=rg))
            t_in.append(torch.tensor(x.copy(), requires_grad=rg))
        else:
            c_in.append(x)
            t_in.append(x)
    c_out = c_mod(*c_in)
    t_out = t_mod(*t_in)
    c_flat, t_flat = _flat(c_out), _flat(t_out)
    assert len(c_flat) == len(t_flat)
    for i, (c, t) in enumerate(zip(c_flat, t_flat)):
        assert_close(c, t, rtol, atol, what=f"output {i}")

    # The same random upstream gradient for every floating output that requires grad.
    rng = np.random.default_rng(seed)
    c_roots, t_roots, c_seeds, t_seeds = [], [], [], []
    for c, t in zip(c_flat, t_flat):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            g = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
            c_roots.append(c)
            t_roots.append(t)
            c_seeds.append(chainrule.tensor(g))
            t_seeds.append(torch.tensor(g))
    if t_roots:
        chainrule.autograd.backward(c_roots, c_seeds)
        torch.autograd.backward(t_roots, t_seeds)
        for i, (c, t) in enumerate(zip(c_in, t_in)):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                assert_close(c.grad, t.grad, rtol, atol, what=f"grad of input {i}")
        c_params = dict(c_mod.named_parameters())
        for name, tp in t_mod.named_parameters():
            assert_close(c_params[name].grad, tp.grad, rtol, atol, what=f"grad of {name}")
    for name, tb in t_mod.named_buffers():
        cb = dict(c_mod.named_buffers())[name]
        assert_close(cb, tb, rtol, atol, what=f"buffer {name}")
    return c_out, t_out


def ks_statistic(a, b) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the samples'
    empirical CDFs."""
    a = np.sort(np.ravel(a))
    b = np.sort(np.ravel(b))
    both = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, both, side="right") / a.size
    cdf_b = np.searchsorted(b, both, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def assert_same_distribution(a, b, alpha=1e-3) -> None:
    """Two samples pass a two-sample KS test at level ``alpha`` (asymptotic critical value
    c(alpha) * sqrt((n + m) / (n m)), c(alpha) = sqrt(-ln(alpha / 2) / 2))."""
    a = np.ravel(np.asarray(a, dtype=np.float64))
    b = np.ravel(np.asarray(b, dtype=np.float64))
    n, m = a.size, b.size
    crit = math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))
    d = ks_statistic(a, b)
    assert d < crit, f"KS statistic {d:.4f} >= critical value {crit:.4f} (n={n}, m={m})"
