"""Op-table rows: reduction ops and softmax (issue 3).

``ROWS`` join the op table (tests/test_ops.py: parity in float32 and float64, second order,
gradcheck, gradgradcheck) with random normal inputs, where ties and zeros have probability 0.
Ties and zeros need integer-valued inputs: ``ZERO_ROWS`` (prod and cumprod, smooth there, so
also gradchecked) and ``TIE_ROWS`` (max, min, amax, sort, ...: not differentiable at a tie,
so checked for parity with PyTorch only) run in tests/test_reduction.py.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from opspec import Row, reduce_params

# Shapes whose every dim is nonzero or which have some nonzero dim to reduce over.
REDUCIBLE = (
    array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
    .filter(lambda s: math.prod(s) > 0 or any(s))
    .map(lambda s: (s,))
)
NONEMPTY = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4).map(lambda s: (s,))
AT_LEAST_TWO = array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4).map(lambda s: (s,))


def _single_dim(shape, allowed=None):
    """A dim (negative half the time) among ``allowed`` axes; 0-d tensors accept 0 and -1."""
    nd = len(shape)
    if nd == 0:
        return st.sampled_from([0, -1])
    axes = list(range(nd)) if allowed is None else allowed
    return st.sampled_from(axes).flatmap(lambda d: st.sampled_from([d, d - nd]))


@st.composite
def dim_params(draw, shapes):
    """One ``dim`` (any axis, negative included) and ``keepdim``."""
    (shape,) = shapes
    return {"dim": draw(_single_dim(shape)), "keepdim": draw(st.booleans())}


@st.composite
def nonempty_dim_params(draw, shapes):
    """One ``dim`` of nonzero size (max/min with dim refuse an empty one) and ``keepdim``."""
    (shape,) = shapes
    ok = [d for d, s in enumerate(shape) if s > 0]
    return {"dim": draw(_single_dim(shape, ok)), "keepdim": draw(st.booleans())}


def _nonempty_dims(shape):
    """None (all dims, when the tensor is not empty), one dim or a tuple of dims, all of
    nonzero size."""
    nd = len(shape)
    ok = [d for d, s in enumerate(shape) if s > 0]
    choices = [st.none()] if math.prod(shape) > 0 else []
    if nd == 0:
        choices.append(st.sampled_from([0, -1]))
    if ok:
        choices.append(_single_dim(shape, ok))
        choices.append(st.lists(st.sampled_from(ok), min_size=1, unique=True).map(tuple))
    return st.one_of(choices)


@st.composite
def nonempty_reduce_params(draw, shapes):
    (shape,) = shapes
    return {"dim": draw(_nonempty_dims(shape)), "keepdim": draw(st.booleans())}


@st.composite
def lse_params(draw, shapes):
    """logsumexp needs a dim: one int or a tuple."""
    (shape,) = shapes
    nd = len(shape)
    dims = [_single_dim(shape)]
    if nd:
        dims.append(st.lists(st.integers(0, nd - 1), min_size=1, unique=True).map(tuple))
    return {"dim": draw(st.one_of(dims)), "keepdim": draw(st.booleans())}


def _numel(shape, dim) -> int:
    if dim is None or not shape:
        return math.prod(shape)
    dims = dim if isinstance(dim, tuple) else (dim,)
    return math.prod(shape[d] for d in dims)


@st.composite
def var_params(draw, shapes):
    """dim/keepdim and a ``correction`` smaller than the number of elements reduced, so the
    result is finite (and neither library warns: empty inputs are tested directly)."""
    (shape,) = shapes
    params = draw(reduce_params(shapes))
    n = _numel(shape, params["dim"])
    params["correction"] = draw(st.sampled_from([c for c in (0, 1, 2, 0.5) if c < n]))
    return params


@st.composite
def std_params(draw, shapes):
    """dim/keepdim/correction for AT_LEAST_TWO shapes: every reduction holds two or more
    elements, so std is not 0 by construction (the masked gradient where it is 0 is
    tested directly in test_reduction.py)."""
    return {
        "dim": draw(st.one_of(st.none(), _single_dim(shapes[0]))),
        "keepdim": draw(st.booleans()),
        "correction": draw(st.sampled_from([0, 1, 0.5])),
    }


@st.composite
def norm_params(draw, shapes):
    """``p`` (numbers, +-inf, 'fro'), dims (nonempty ones for inf and negative p) and
    keepdim."""
    (shape,) = shapes
    p = draw(st.sampled_from([2, 1, 3, 1.5, 0.5, 0, -1, math.inf, -math.inf, "fro", None]))
    if isinstance(p, (int, float)) and p < 0 or p == math.inf:  # no identity: not empty
        dim = draw(_nonempty_dims(shape))
    elif p == "fro":
        dim = draw(st.one_of(st.none(), lse_params(shapes).map(lambda d: d["dim"])))
        if isinstance(dim, tuple) and len(dim) > 2:
            dim = dim[:2]
    else:
        dim = draw(reduce_params(shapes))["dim"]
    return {"p": p, "dim": dim, "keepdim": draw(st.booleans())}


@st.composite
def cumulative_params(draw, shapes):
    (shape,) = shapes
    return {"dim": draw(_single_dim(shape))}


@st.composite
def sort_params(draw, shapes):
    (shape,) = shapes
    return {"dim": draw(_single_dim(shape)), "descending": draw(st.booleans())}


@st.composite
def topk_params(draw, shapes):
    (shape,) = shapes
    dim = draw(_single_dim(shape))
    size = shape[dim] if shape else 1
    return {"k": draw(st.integers(0, size)), "dim": dim, "largest": draw(st.booleans())}


def _amax(T, a, dim, keepdim):
    return a.amax() if dim is None else a.amax(dim, keepdim)


def _amin_fn(T, a, dim, keepdim):
    return T.amin(a) if dim is None else T.amin(a, dim=dim, keepdim=keepdim)


ROWS = [
    # sum and mean beyond the core rows: 0-d tensors with dim 0 / -1, the function form
    Row("sum_dim", lambda T, a, dim, keepdim: a.sum(dim, keepdim), params=dim_params),
    Row("mean_fn", lambda T, a, dim, keepdim: T.mean(a, dim, keepdim), params=dim_params),
    Row("prod", lambda T, a: a.prod()),
    Row("prod_dim", lambda T, a, dim, keepdim: a.prod(dim, keepdim), params=dim_params),
    Row("prod_fn", lambda T, a, dim, keepdim: T.prod(a, dim, keepdim=keepdim), params=dim_params),
    # max and min: whole tensor, or (values, indices) along a dim
    Row("max", lambda T, a: a.max(), NONEMPTY),
    Row("min_fn", lambda T, a: T.min(a), NONEMPTY),
    Row("max_dim", lambda T, a, dim, keepdim: a.max(dim, keepdim), REDUCIBLE, nonempty_dim_params),
    Row(
        "max_dim_fn_values",
        lambda T, a, dim, keepdim: T.max(a, dim=dim, keepdim=keepdim).values * 2,
        REDUCIBLE,
        nonempty_dim_params,
    ),
    Row(
        "min_dim", lambda T, a, dim, keepdim: T.min(a, dim, keepdim), REDUCIBLE, nonempty_dim_params
    ),
    Row("amax", _amax, REDUCIBLE, nonempty_reduce_params),
    Row("amin_fn", _amin_fn, REDUCIBLE, nonempty_reduce_params),
    # var and std: correction, the older unbiased, dims
    Row(
        "var",
        lambda T, a, dim, keepdim, correction: a.var(dim, keepdim=keepdim, correction=correction),
        NONEMPTY,
        var_params,
    ),
    Row("var_default", lambda T, a: a.var(), AT_LEAST_TWO),
    Row(
        "var_unbiased_fn",
        lambda T, a, dim, keepdim: T.var(a, dim, False, keepdim),
        NONEMPTY,
        dim_params,
    ),
    Row(
        "std",
        lambda T, a, dim, keepdim, correction: T.std(
            a, dim, keepdim=keepdim, correction=correction
        ),
        AT_LEAST_TWO,
        std_params,
    ),
    Row("std_unbiased", lambda T, a: a.std(True), AT_LEAST_TWO),
    # logsumexp, also at magnitude 1e4 (finite where exp alone overflows)
    Row("logsumexp", lambda T, a, dim, keepdim: a.logsumexp(dim, keepdim), params=lse_params),
    Row(
        "logsumexp_fn_1e4",
        lambda T, a, dim, keepdim: T.logsumexp(a * 1e4, dim, keepdim) * 1e-4,
        params=lse_params,
        second_order=False,
    ),
    # norms
    Row(
        "norm",
        lambda T, a, p, dim, keepdim: a.norm(p, dim, keepdim),
        REDUCIBLE,
        norm_params,
        domains=("away",),
    ),
    Row(
        "norm_fn_kw",
        lambda T, a, p, dim, keepdim: T.norm(a, p=p, dim=dim, keepdim=keepdim),
        REDUCIBLE,
        norm_params,
        domains=("away",),
    ),
    Row("norm_default", lambda T, a: a.norm()),
    Row("norm_dtype", lambda T, a: a.norm(dtype=T.float64)),
    # running reductions
    Row("cumsum", lambda T, a, dim: a.cumsum(dim), params=cumulative_params),
    Row("cumsum_fn", lambda T, a, dim: T.cumsum(a, dim=dim), params=cumulative_params),
    Row("cumsum_dtype", lambda T, a, dim: a.cumsum(dim, dtype=T.float64), params=cumulative_params),
    Row("cumprod", lambda T, a, dim: a.cumprod(dim), params=cumulative_params),
    Row("cumprod_fn", lambda T, a, dim: T.cumprod(a, dim), params=cumulative_params),
    # sorting: (values, indices)
    Row("sort", lambda T, a, dim, descending: a.sort(dim, descending), params=sort_params),
    Row(
        "sort_fn_values",
        lambda T, a, dim, descending: T.sort(a, dim=dim, descending=descending).values,
        params=sort_params,
    ),
    Row("topk", lambda T, a, k, dim, largest: a.topk(k, dim, largest), params=topk_params),
    Row(
        "topk_fn",
        lambda T, a, k, dim, largest: T.topk(a, k, dim=dim, largest=largest, sorted=True),
        params=topk_params,
    ),
    # softmax and log_softmax, also at magnitude 1e4 and with dtype=
    Row("softmax", lambda T, a, dim, keepdim: a.softmax(dim), params=dim_params),
    Row("softmax_fn", lambda T, a, dim, keepdim: T.softmax(a, dim), params=dim_params),
    Row(
        "softmax_1e4",
        lambda T, a, dim, keepdim: T.softmax(a * 1e4, dim),
        params=dim_params,
        second_order=False,
    ),
    Row(
        "softmax_dtype",
        lambda T, a, dim, keepdim: T.softmax(a, dim, dtype=T.float64),
        params=dim_params,
    ),
    Row("log_softmax", lambda T, a, dim, keepdim: a.log_softmax(dim), params=dim_params),
    Row("log_softmax_fn", lambda T, a, dim, keepdim: T.log_softmax(a, dim), params=dim_params),
    Row(
        "log_softmax_1e4",
        lambda T, a, dim, keepdim: T.log_softmax(a * 1e4, dim) * 1e-4,
        params=dim_params,
        second_order=False,
    ),
    Row(
        "log_softmax_dtype",
        lambda T, a, dim, keepdim: a.log_softmax(dim, dtype=T.float64),
        params=dim_params,
    ),
]


def integer_inputs(shapes, rng: np.random.Generator, low: int = -2, high: int = 2):
    """Integer-valued float64 inputs in [low, high]: ties and zeros are common."""
    return [rng.integers(low, high + 1, size=shape).astype(np.float64) for shape in shapes]


# Smooth at zeros: parity (first and second order) and gradcheck with integer inputs.
ZERO_ROWS = [
    Row("prod", lambda T, a: a.prod(), NONEMPTY),
    Row("prod_dim", lambda T, a, dim, keepdim: a.prod(dim, keepdim), NONEMPTY, dim_params),
    Row("cumprod", lambda T, a, dim: a.cumprod(dim), NONEMPTY, cumulative_params),
]

# Not differentiable at ties: parity with PyTorch's tie rule only.
TIE_ROWS = [
    Row("max", lambda T, a: a.max(), NONEMPTY),
    Row("min", lambda T, a: T.min(a), NONEMPTY),
    Row("max_dim", lambda T, a, dim, keepdim: a.max(dim, keepdim), NONEMPTY, dim_params),
    Row("min_dim", lambda T, a, dim, keepdim: T.min(a, dim, keepdim), NONEMPTY, dim_params),
    Row("amax", _amax, NONEMPTY, nonempty_reduce_params),
    Row("amin", _amin_fn, NONEMPTY, nonempty_reduce_params),
    Row("sort", lambda T, a, dim, descending: a.sort(dim, descending), NONEMPTY, sort_params),
    Row(
        "norm_inf",
        lambda T, a, dim, keepdim: T.norm(a, math.inf, dim, keepdim),
        NONEMPTY,
        nonempty_reduce_params,
    ),
    Row(
        "norm_neg_inf",
        lambda T, a, dim, keepdim: a.norm(-math.inf, dim, keepdim),
        NONEMPTY,
        nonempty_reduce_params,
    ),
    Row("norm_2_zeros", lambda T, a, dim, keepdim: a.norm(2, dim, keepdim), NONEMPTY, dim_params),
]
