"""Hypothesis strategies for the shape and indexing rows (tests/rows_shape.py).

Each ``*_params`` strategy receives the drawn input shapes and returns the op's extra
arguments: dims (negative half the time), index arrays, keys for ``x[key]``. Index arrays are
NumPy arrays; the rows turn them into ``lib.tensor`` for whichever library runs.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=4, n=1):
    """``n`` copies of one drawn shape."""
    return array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda s: (s,) * n)


def _neg(draw, d: int, nd: int) -> int:
    """``d`` or its negative spelling."""
    return d - nd if draw(st.booleans()) else d


def _dim(draw, nd: int, extra: int = 0) -> int:
    """A dim of a tensor with ``nd`` dims (``extra`` more for unsqueeze/stack)."""
    n = nd + extra
    if n == 0:
        return draw(st.sampled_from([0, -1]))
    return _neg(draw, draw(st.integers(0, n - 1)), n)


def _rng(draw) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


# ---------------------------------------------------------------- reshaping and reordering
@st.composite
def dim_params(draw, shapes, extra=0):
    return {"dim": _dim(draw, len(shapes[0]), extra)}


@st.composite
def permute_params(draw, shapes):
    nd = len(shapes[0])
    perm = draw(st.permutations(range(nd)))
    return {"dims": tuple(_neg(draw, d, nd) for d in perm)}


@st.composite
def flatten_params(draw, shapes):
    nd = max(len(shapes[0]), 1)
    s = draw(st.integers(0, nd - 1))
    e = draw(st.integers(s, nd - 1))
    return {"start_dim": _neg(draw, s, nd), "end_dim": _neg(draw, e, nd)}


@st.composite
def unflatten_params(draw, shapes):
    (shape,) = shapes
    d = draw(st.integers(0, len(shape) - 1))
    n = shape[d]
    if n == 0:
        sizes = draw(st.sampled_from([(0,), (0, 2), (3, 0, 1)]))
    else:
        a = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        sizes = draw(st.sampled_from([(a, n // a), (a, -1), (1, n), (n // a, 1, a), (-1,)]))
    return {"dim": _neg(draw, d, len(shape)), "sizes": sizes}


@st.composite
def squeeze_params(draw, shapes):
    nd = len(shapes[0])
    if nd == 0 or draw(st.booleans()):
        return {"dim": _dim(draw, nd)}
    dims = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    return {"dim": tuple(_neg(draw, d, nd) for d in dims)}


@st.composite
def movedim_params(draw, shapes):
    nd = len(shapes[0])
    k = draw(st.integers(1, nd))
    src = draw(st.permutations(range(nd)))[:k]
    dst = draw(st.permutations(range(nd)))[:k]
    if k == 1 and draw(st.booleans()):
        return {"source": _neg(draw, src[0], nd), "destination": dst[0]}
    return {"source": tuple(src), "destination": tuple(_neg(draw, d, nd) for d in dst)}


@st.composite
def repeat_params(draw, shapes):
    nd = len(shapes[0])
    n = draw(st.integers(nd, nd + 2))
    return {"sizes": tuple(draw(st.integers(0, 2)) for _ in range(n))}


@st.composite
def tile_params(draw, shapes):
    return {"dims": tuple(draw(st.lists(st.integers(0, 2), max_size=len(shapes[0]) + 1)))}


@st.composite
def flip_params(draw, shapes):
    nd = len(shapes[0])
    dims = draw(st.lists(st.integers(0, nd - 1), max_size=nd, unique=True)) if nd else []
    return {"dims": tuple(_neg(draw, d, nd) for d in dims)}


@st.composite
def roll_params(draw, shapes):
    nd = len(shapes[0])
    if nd == 0 or draw(st.integers(0, 3)) == 0:
        return {"shifts": draw(st.integers(-5, 5)), "dims": None}
    dims = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    shifts = [draw(st.integers(-5, 5)) for _ in dims]
    if len(dims) == 1 and draw(st.booleans()):
        return {"shifts": shifts[0], "dims": _neg(draw, dims[0], nd)}
    return {"shifts": tuple(shifts), "dims": tuple(_neg(draw, d, nd) for d in dims)}


# ---------------------------------------------------------------- joining and splitting
@st.composite
def cat_shapes(draw, n=3):
    base = draw(array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
    d = draw(st.integers(0, len(base) - 1))
    return tuple(base[:d] + (draw(st.integers(0, 3)),) + base[d + 1 :] for _ in range(n))


@st.composite
def cat_params(draw, shapes):
    nd = len(shapes[0])
    ok = [
        d
        for d in range(nd)
        if all(s[:d] + s[d + 1 :] == shapes[0][:d] + shapes[0][d + 1 :] for s in shapes)
    ]
    return {"dim": _neg(draw, draw(st.sampled_from(ok)), nd)}


@st.composite
def split_params(draw, shapes, sections=False):
    (shape,) = shapes
    d = draw(st.integers(0, len(shape) - 1))
    n = shape[d]
    if sections:
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        size = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    else:
        size = draw(st.integers(1, 4))
    return {"size": size, "dim": _neg(draw, d, len(shape))}


@st.composite
def chunk_params(draw, shapes):
    return {"chunks": draw(st.integers(1, 4)), "dim": _dim(draw, len(shapes[0]))}


@st.composite
def nonempty_dim_params(draw, shapes):
    """A dim of nonzero size (select, unbind)."""
    (shape,) = shapes
    d = draw(st.sampled_from([e for e, s in enumerate(shape) if s > 0]))
    return {"dim": _neg(draw, d, len(shape)), "index": draw(st.integers(-shape[d], shape[d] - 1))}


@st.composite
def narrow_params(draw, shapes):
    (shape,) = shapes
    d = draw(st.integers(0, len(shape) - 1))
    n = shape[d]
    start = draw(st.integers(0, n))
    length = draw(st.integers(0, n - start))
    if start < n and draw(st.booleans()):
        start -= n
    return {"dim": _neg(draw, d, len(shape)), "start": start, "length": length}


# ---------------------------------------------------------------- index tensors
@st.composite
def gather_params(draw, shapes):
    (shape,) = shapes
    nd = len(shape)
    d = draw(st.integers(0, nd - 1))
    ishape = tuple(
        draw(st.integers(0, 4)) if e == d else draw(st.integers(0, s)) for e, s in enumerate(shape)
    )
    index = _rng(draw).integers(0, shape[d], ishape)
    return {"dim": _neg(draw, d, nd), "index": index}


@st.composite
def scatter_shapes(draw):
    """(input, src) shapes of one rank, src no larger than input. The index takes src's shape:
    torch 2.13's scatter backward mis-shapes src's gradient when src is larger."""
    x = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    return x, tuple(max(1, s - draw(st.integers(0, 1))) for s in x)


@st.composite
def scatter_params(draw, shapes, unique=True):
    """dim and an index of src's shape (input's with one tensor) into input; with ``unique``,
    no two entries of one line along dim are equal (scatter writes there in an unspecified
    order)."""
    x, src = shapes[0], shapes[-1]
    nd = len(x)
    d = draw(st.integers(0, nd - 1))
    ishape = list(src)
    rng = _rng(draw)
    if unique:
        full = list(ishape)
        full[d] = x[d]
        index = np.argsort(rng.random(full), axis=d).take(range(ishape[d]), axis=d)
    else:
        index = rng.integers(0, x[d], ishape)
    return {"dim": _neg(draw, d, nd), "index": index}


@st.composite
def index_select_params(draw, shapes):
    (shape,) = shapes
    d = draw(st.integers(0, len(shape) - 1))
    index = _rng(draw).integers(0, shape[d], draw(st.integers(0, 5)))
    if len(index) == 1 and draw(st.booleans()):
        index = index.reshape(())
    return {"dim": _neg(draw, d, len(shape)), "index": index}


@st.composite
def take_params(draw, shapes):
    n = math.prod(shapes[0])
    ishape = draw(array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    return {"index": _rng(draw).integers(-n, n, ishape)}


@st.composite
def mask_params(draw, shapes, into=False):
    """A bool mask broadcastable with the input (to exactly its shape with ``into``)."""
    (shape,) = shapes
    nd = len(shape) + (0 if into else 1)
    mshape = draw(
        mutually_broadcastable_shapes(
            num_shapes=1, base_shape=shape, max_dims=nd, min_side=0, max_side=4
        ).filter(lambda b: not into or b.result_shape == shape)
    ).input_shapes[0]
    return {"mask": _rng(draw).random(mshape) < 0.5}


# ---------------------------------------------------------------- diagonals
@st.composite
def diagonal_params(draw, shapes):
    nd = len(shapes[0])
    d1, d2 = draw(st.permutations(range(nd)))[:2]
    return {"offset": draw(st.integers(-3, 3)), "dim1": _neg(draw, d1, nd), "dim2": d2}


@st.composite
def diag_embed_params(draw, shapes):
    nd = len(shapes[0]) + 1
    d1, d2 = draw(st.permutations(range(nd)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "dim1": d1, "dim2": _neg(draw, d2, nd)}


@st.composite
def offset_params(draw, shapes):
    return {"diagonal": draw(st.integers(-3, 3))}


# ---------------------------------------------------------------- x[key] and x[key] = v
def _part(draw, n: int, kind: str, length: int, unique: bool):
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "list":
        if unique:
            return draw(st.permutations(range(n)))[:length]
        return [draw(st.integers(-n, n - 1)) for _ in range(length)]
    if kind == "mask":
        return _rng(draw).random(n) < 0.5
    lo, hi = st.none() | st.integers(-n - 1, n + 1), st.none() | st.integers(1, 3)
    return slice(draw(lo), draw(lo), draw(hi))


@st.composite
def key_params(draw, shapes, unique=False):
    """A key mixing ints, slices with steps, None, ..., integer lists and one bool mask.

    Integer lists all have one length (so they broadcast together); a mask comes alone.
    With ``unique``, no element is picked twice (for writes)."""
    (shape,) = shapes
    nd = len(shape)
    k = draw(st.integers(0, nd))
    at_end = draw(st.booleans())  # index the leading dims (then ...) or the trailing ones
    dims = shape[:k] if at_end else shape[nd - k :]
    mask_ok = True
    length = draw(st.integers(1, min(dims))) if dims and min(dims) > 0 else 1
    parts = []
    for n in dims:
        kinds = ["slice"] + (["int", "list"] if n > 0 else []) + (["mask"] if mask_ok else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "mask":
            mask_ok = False
        if kind == "list":
            mask_ok = False
            length = min(length, n) if unique else length
        parts.append((kind, n))
    if any(kind == "mask" for kind, _ in parts):
        parts = [("slice", n) if kind == "list" else (kind, n) for kind, n in parts]
    key = [_part(draw, n, kind, length, unique) for kind, n in parts]
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(0, len(key))), None)
    if draw(st.booleans()) or not at_end:
        key.insert(len(key) if at_end else 0, Ellipsis)
    return {"key": tuple(key) if draw(st.integers(0, 3)) or len(key) != 1 else key[0]}


def torch_key(key):
    """A key for torch: lists and NumPy masks become tensors."""
    parts = key if isinstance(key, tuple) else (key,)
    out = tuple(torch.tensor(k) if isinstance(k, (list, np.ndarray)) else k for k in parts)
    return out if isinstance(key, tuple) else out[0]


@st.composite
def setitem_shapes(draw):
    """(x, value) shapes and the key: value broadcasts to x[key] (PyTorch's result shape)."""
    x = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    key = draw(key_params((x,), unique=True))["key"]
    target = tuple(torch.empty(x)[torch_key(key)].shape)
    v = target[draw(st.integers(0, len(target))) :]
    v = tuple(1 if draw(st.integers(0, 3)) == 0 else s for s in v)
    v = (1,) * draw(st.integers(0, 1)) + v
    return _Keyed((x, v), key)


class _Keyed(tuple):
    """Shapes that carry the key they were drawn with (params reads it back)."""

    def __new__(cls, shapes, key):
        obj = super().__new__(cls, shapes)
        obj.key = key
        return obj


def keyed_params(shapes):
    return st.just({"key": shapes.key})
