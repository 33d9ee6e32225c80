"""Shapes for the generator: new leaves, broadcasting and matmul partners, and size limits."""

from __future__ import annotations

import numpy as np

MAX_SIDE = 4
MAX_NUMEL = 256
MAX_NDIM = 4


def new_shape(rng) -> tuple:
    nd = int(rng.choice([0, 1, 2, 3], p=[0.05, 0.25, 0.45, 0.25]))
    shape = []
    for _ in range(nd):
        r = rng.random()
        shape.append(0 if r < 0.01 else 1 if r < 0.3 else int(rng.integers(2, MAX_SIDE + 1)))
    return tuple(shape)


def broadcast_partner(rng, shape, bad) -> tuple:
    """A shape that broadcasts with ``shape`` (or, when ``bad``, probably does not)."""
    s = list(shape[int(rng.integers(0, len(shape) + 1)) :] if rng.random() < 0.4 else shape)
    s = [1 if rng.random() < 0.3 else d for d in s]
    if rng.random() < 0.15 and len(s) < MAX_NDIM:
        s.insert(0, int(rng.integers(1, 4)))
    if bad and s:
        k = int(rng.integers(len(s)))
        s[k] = s[k] + int(rng.integers(1, 3)) if s[k] > 1 else 2
    return tuple(s)


def matmul_partner(rng, shape, bad) -> tuple | None:
    if not shape:
        return None
    n = shape[-1]
    if bad:
        n += 1
    p = int(rng.integers(1, MAX_SIDE + 1))
    if rng.random() < 0.25:
        return (n,)
    if len(shape) == 1:
        batch = list(new_shape(rng))[:1]
    else:
        batch = list(broadcast_partner(rng, shape[:-2], False)) if len(shape) > 2 else []
        if not batch and rng.random() < 0.2:
            batch = [int(rng.integers(1, 3))]
    return (*batch, n, p)


def fits(shape) -> bool:
    return len(shape) <= MAX_NDIM and int(np.prod(shape)) <= MAX_NUMEL


def matmul_ok(a, b) -> bool:
    try:
        return fits(np.matmul(np.empty(a), np.empty(b)).shape)
    except ValueError:
        return False


def partner_ok(kind: str, shape: tuple, other: tuple, want: tuple, dim) -> bool:
    """Whether an existing value of shape ``other`` may be the partner of ``shape``."""
    if kind == "broadcast":
        try:
            return fits(np.broadcast_shapes(other, shape))
        except ValueError:
            return False
    if kind == "matmul":
        return matmul_ok(shape, other)
    if other == want:
        return True
    if kind != "cat" or len(other) != len(want):
        return False
    return all(x == y for i, (x, y) in enumerate(zip(other, want)) if i != dim % len(other))
