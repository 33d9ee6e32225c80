"""What an op-table row is, and the hypothesis strategies rows draw shapes and arguments from.

A row's ``fn(lib, *tensors, **params)`` is written once and runs on both libraries
(``lib`` is ``chainrule`` or ``torch``). ``shapes`` is a hypothesis strategy for the input
shapes (broadcasting pairs, 0-d tensors and size-1 dims included), ``params`` draws extra
arguments such as ``dim``, and ``domains`` keeps inputs where the op is smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

UNARY = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4).map(lambda s: (s,))
BINARY = mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=4
).map(lambda b: b.input_shapes)


@st.composite
def matmul_shapes(draw):
    """Compatible (a, b) shapes for matmul: vectors, matrices, broadcast batches."""
    n, m, p = (draw(st.integers(1, 4)) for _ in range(3))
    kind = draw(st.sampled_from(["vv", "mv", "vm", "mm", "batched"]))
    if kind == "vv":
        return (n,), (n,)
    if kind == "mv":
        batch = draw(st.lists(st.integers(1, 3), max_size=2))
        return (*batch, m, n), (n,)
    if kind == "vm":
        batch = draw(st.lists(st.integers(1, 3), max_size=2))
        return (n,), (*batch, n, p)
    if kind == "mm":
        return (m, n), (n, p)
    batch_a, batch_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)
    ).input_shapes
    return (*batch_a, m, n), (*batch_b, n, p)


@st.composite
def reduce_params(draw, shapes):
    """``dim`` (None, an int, negative, or a tuple) and ``keepdim`` for a reduction."""
    (shape,) = shapes
    nd = len(shape)
    choices = [st.none()]
    if nd:
        choices.append(st.integers(-nd, nd - 1))
        choices.append(
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)
        )
    return {"dim": draw(st.one_of(choices)), "keepdim": draw(st.booleans())}


@st.composite
def transpose_params(draw, shapes):
    (shape,) = shapes
    nd = max(len(shape), 1)
    return {"d0": draw(st.integers(-nd, nd - 1)), "d1": draw(st.integers(-nd, nd - 1))}


@st.composite
def reshape_params(draw, shapes):
    """A new shape with the same number of elements (a -1 sometimes)."""
    (shape,) = shapes
    n = int(np.prod(shape))
    if n == 0:
        a = draw(st.integers(1, 3))
        return {"shape": draw(st.sampled_from([(0,), (0, a), (a, 0, 1)]))}
    a = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    options = [(n,), (a, n // a), (n // a, 1, a), (-1, a)] + ([()] if n == 1 else [])
    return {"shape": draw(st.sampled_from(options))}


@st.composite
def expand_params(draw, shapes):
    (shape,) = shapes
    target = tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return {"sizes": lead + target}


@st.composite
def index_params(draw, shapes):
    """A basic or advanced index valid for the shape (ints, slices, None, lists, masks)."""
    (shape,) = shapes
    kind = draw(st.sampled_from(["int", "slice", "none", "list", "mask"]))
    n = shape[0]
    if kind == "int":
        return {"key": draw(st.integers(-n, n - 1))}
    if kind == "slice":
        start = draw(st.integers(0, n - 1))
        return {"key": (slice(start, None, draw(st.integers(1, 2))), Ellipsis)}
    if kind == "none":
        return {"key": (None, slice(None))}
    if kind == "list":  # repeated indices: their gradients must add up
        return {"key": draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5))}
    mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return {"key": np.array(mask)}


def _no_params(shapes):
    return st.just({})


@dataclass(frozen=True)
class Row:
    name: str
    fn: Callable
    shapes: st.SearchStrategy = UNARY
    params: Callable = _no_params
    domains: tuple = ("real", "real", "real")  # per input: real | positive | away (|x| >= .25)
    second_order: bool = True
    marks: tuple = field(default_factory=tuple)


def make_inputs(row: Row, shapes, rng: np.random.Generator) -> list[np.ndarray]:
    """Random float64 inputs inside each input's domain."""
    arrays = []
    for shape, domain in zip(shapes, row.domains):
        x = rng.standard_normal(shape)
        if domain == "positive":
            x = rng.uniform(0.5, 2.0, shape)
        elif domain == "away":
            x = np.where(rng.random(shape) < 0.5, -1, 1) * rng.uniform(0.25, 2.0, shape)
        arrays.append(np.asarray(x, dtype=np.float64))
    return arrays
