"""Helpers for the elementwise tests: run one function on chainrule and on PyTorch."""

from __future__ import annotations

import numpy as np
import torch

import chainrule
from torchpair import same

LIBS = (chainrule, torch)


def both(fn, *arrays, requires_grad=False):
    """Run ``fn(lib, *tensors)`` on each library with the same inputs."""
    outs = []
    for lib in LIBS:
        ts = [lib.tensor(np.array(a), requires_grad=requires_grad) for a in arrays]
        outs.append(fn(lib, *ts))
    return outs


def grads(fn, *arrays, dtype="float64", seed=0):
    """Values and gradients (random upstream gradient) of ``fn`` in both libraries."""
    rng = np.random.default_rng(seed)
    results = []
    for lib in LIBS:
        xs = [lib.tensor(np.asarray(a, dtype=dtype), requires_grad=True) for a in arrays]
        y = fn(lib, *xs)
        g = rng.standard_normal(tuple(y.shape)).astype(dtype) if seed is not None else None
        rng = np.random.default_rng(seed)
        gs = lib.autograd.grad(y, xs, lib.tensor(g), allow_unused=True)
        results.append((y, gs))
    return results


def assert_grads_match(fn, *arrays, dtype="float64"):
    (yc, gc), (yt, gt) = grads(fn, *arrays, dtype=dtype)
    same(yc, yt)
    for c, t in zip(gc, gt):
        if t is None:
            assert c is None or not np.any(c.detach().numpy())
        else:
            same(c, t)
