"""Parameter drawers for the op menu (``ops.py``): dims, shapes, indices, bounds.

Each ``draw(rng, shapes)`` returns the keyword parameters of one instruction for operands of
these shapes, or ``None`` when the op does not apply to them. ``_away`` and ``_no_ties`` keep
inputs off kinks (see ``ops.py``).
"""

from __future__ import annotations

import numpy as np

NEAR = 1e-3  # |distance to a kink| in (0, NEAR): too close to call, the generator retries


def _away(x, at=0.0, exact_ok=True) -> bool:
    """No element within NEAR of ``at``. An exact hit is allowed when ``exact_ok``: a relu's
    zeros or a tie ``maximum(x, x)`` are the same in both libraries and test the gradient
    convention at the kink; but a zero that rounding made (a variance of equal numbers)
    may be 1e-17 in the other library, so a selection (``where``, a mask) forbids them."""
    d = np.abs(np.asarray(x, dtype=np.float64) - at)
    return not np.any(((d > 0) | (not exact_ok)) & (d < NEAR))


def _dim(rng, nd, allow_none=True):
    """A dim for a reduction: None, a (possibly negative) int, or a tuple of dims."""
    r = rng.random()
    if nd == 0 or (allow_none and r < 0.2):
        return None if allow_none else 0
    if r < 0.75 or not allow_none:
        return int(rng.integers(-nd, nd))
    k = int(rng.integers(1, nd + 1))
    return tuple(int(d) for d in rng.choice(nd, size=k, replace=False))


def _reduce_params(rng, shapes):
    return {"dim": _dim(rng, len(shapes[0])), "keepdim": bool(rng.random() < 0.4)}


def _int_dim_params(rng, shapes):
    nd = len(shapes[0])
    return {"dim": int(rng.integers(-nd, nd)) if nd else 0, "keepdim": bool(rng.random() < 0.4)}


def _softmax_params(rng, shapes):
    nd = len(shapes[0])
    return {"dim": int(rng.integers(-nd, nd)) if nd else 0}


def _reduce(method):
    def fn(T, x, dim, keepdim):
        return getattr(x, method)(dim=dim, keepdim=keepdim)

    return fn


def _extreme_params(rng, shapes):
    """amax/amin: dim=() (not None) means every dim, as in PyTorch."""
    p = _reduce_params(rng, shapes)
    return {"dim": () if p["dim"] is None else p["dim"], "keepdim": p["keepdim"]}


def _no_ties(a, p, out):
    """amax/amin/max: no element within NEAR of its slice's extreme unless exactly equal."""
    x = np.asarray(a[0], dtype=np.float64)
    dim = p.get("dim")
    dim = None if dim == () else dim
    if x.ndim == 0 or x.size == 0:
        return True
    top = x.max(axis=dim, keepdims=True) if dim is not None else x.max(keepdims=True)
    low = x.min(axis=dim, keepdims=True) if dim is not None else x.min(keepdims=True)
    return _away(top - x) and _away(x - low)


def _reshape_shape(rng, shape):
    n = int(np.prod(shape))
    if n == 0:
        return (0, -1) if rng.random() < 0.5 else (-1,)
    divs = [d for d in range(1, n + 1) if n % d == 0]
    a = int(rng.choice(divs))
    opts = [(n,), (a, n // a), (n // a, 1, a), (-1, a), (a, -1)] + ([()] if n == 1 else [])
    return opts[int(rng.integers(len(opts)))]


def _perm(rng, shapes):
    nd = len(shapes[0])
    return {"dims": tuple(int(d) for d in rng.permutation(nd))}


def _two_dims(rng, shapes):
    nd = max(len(shapes[0]), 1)
    return {"d0": int(rng.integers(-nd, nd)), "d1": int(rng.integers(-nd, nd))}


def _expand(rng, shapes):
    shape = shapes[0]
    sizes = [
        int(rng.integers(1, 4)) if s == 1 else (-1 if rng.random() < 0.3 else s) for s in shape
    ]
    lead = [int(rng.integers(1, 3)) for _ in range(int(rng.integers(0, 2)))]
    return {"sizes": tuple(lead + sizes)}


class Key:
    """An index, printed the way it is written in Python (``x[1:, ::2]``, ``x[[0, 2]]``)."""

    def __init__(self, key):
        self.key = key

    def __repr__(self):
        parts = self.key if isinstance(self.key, tuple) else (self.key,)
        out = []
        for k in parts:
            if isinstance(k, slice):
                s = "" if k.start is None else str(k.start)
                s += ":" + ("" if k.stop is None else str(k.stop))
                s += "" if k.step is None else f":{k.step}"
                out.append(s)
            else:
                out.append("..." if k is Ellipsis else repr(k))
        return ", ".join(out) if isinstance(self.key, tuple) else out[0]


def _index_params(rng, shapes):
    shape = shapes[0]
    if not shape or shape[0] == 0:
        return None
    n = shape[0]
    kind = rng.integers(5)
    if kind == 0:
        key = int(rng.integers(-n, n))
    elif kind == 1:
        d = int(rng.integers(len(shape)))
        start = int(rng.integers(0, shape[d]))
        stop = None if rng.random() < 0.5 else int(rng.integers(start, shape[d] + 1))
        key = (slice(None),) * d + (slice(start, stop, int(rng.integers(1, 3))),)
    elif kind == 2:
        key = (None, Ellipsis) if rng.random() < 0.5 else (Ellipsis, None)
    elif kind == 3:  # repeated indices: their gradients add up
        key = [int(i) for i in rng.integers(-n, n, size=int(rng.integers(1, 5)))]
    else:
        key = (slice(None), int(rng.integers(-shape[1], shape[1]))) if len(shape) > 1 else -1
    return {"key": Key(key)}


def _narrow(rng, shapes):
    shape = shapes[0]
    if not shape:
        return None
    d = int(rng.integers(len(shape)))
    start = int(rng.integers(0, shape[d] + 1))
    return {"dim": d, "start": start, "length": int(rng.integers(0, shape[d] - start + 1))}


def _chunk(rng, shapes):
    shape = shapes[0]
    if not shape:
        return None
    d = int(rng.integers(len(shape)))
    return {"chunks": int(rng.integers(1, 4)), "dim": d, "i": 0}


def _repeat(rng, shapes):
    nd = len(shapes[0])
    return {"reps": tuple(int(rng.integers(1, 3)) for _ in range(nd + int(rng.integers(0, 2))))}


def _clamp(rng, shapes):
    lo = round(float(rng.uniform(-1.5, 0.5)), 2)
    hi = None if rng.random() < 0.3 else round(lo + float(rng.uniform(0.1, 2)), 2)
    return {"lo": lo, "hi": hi}


def _scalar(rng, shapes):
    return {"s": [2, -1, 0.5, 1.5, -2.5, 3][int(rng.integers(6))]}


def _pow_params(rng, shapes):
    return {"p": [2, 3, 0.5, -1, 1.5, 0][int(rng.integers(6))]}


def _pow_check(a, p, out):
    e = p["p"]
    if e in (0.5, 1.5):
        return np.all(a[0] > 0.05)
    return e != -1 or np.all(np.abs(a[0]) > 0.2)


def _cat_params(rng, shapes):
    nd = len(shapes[0])
    return None if nd == 0 else {"dim": int(rng.integers(-nd, nd)), "n": int(rng.integers(2, 4))}


def _stack_params(rng, shapes):
    nd = len(shapes[0]) + 1
    return {"dim": int(rng.integers(-nd, nd)), "n": int(rng.integers(2, 4))}


def _squeeze(rng, shapes):
    nd = len(shapes[0])
    return {"dim": int(rng.integers(-nd, nd)) if nd else 0}


def _unsqueeze(rng, shapes):
    nd = len(shapes[0]) + 1
    return {"dim": int(rng.integers(-nd, nd))}


def _flatten(rng, shapes):
    nd = max(len(shapes[0]), 1)
    a = int(rng.integers(0, nd))
    return {"start": a, "end": int(rng.integers(a, nd))}
