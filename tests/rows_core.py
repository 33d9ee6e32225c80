"""Op-table rows for the foundation's ops: the tutorial's ops and those backward uses."""

from __future__ import annotations

import numpy as np
from hypothesis.extra.numpy import array_shapes

from opspec import (
    BINARY,
    Row,
    expand_params,
    index_params,
    matmul_shapes,
    reduce_params,
    reshape_params,
    transpose_params,
)


def _index(lib, x, key):
    if isinstance(key, np.ndarray):
        key = lib.tensor(key)
    return x[key]


ROWS = [
    # the tutorial's ops
    Row("matmul", lambda T, a, b: a @ b, matmul_shapes()),
    Row("matmul_fn", lambda T, a, b: T.matmul(a, b), matmul_shapes()),
    Row("add", lambda T, a, b: a + b, BINARY),
    Row("add_alpha", lambda T, a, b: T.add(a, b, alpha=2.5), BINARY),
    Row("sub", lambda T, a, b: a - b, BINARY),
    Row("sub_alpha", lambda T, a, b: T.sub(a, b, alpha=-0.5), BINARY),
    Row("mul", lambda T, a, b: a * b, BINARY),
    Row("div", lambda T, a, b: a / b, BINARY, domains=("real", "away")),
    Row("pow_scalar", lambda T, a: a**3, domains=("real",)),
    Row("pow_frac", lambda T, a: a**2.5, domains=("positive",)),
    Row("pow_zero", lambda T, a: a**0, domains=("real",)),
    Row("pow_neg", lambda T, a: T.pow(a, -1.5), domains=("positive",)),
    Row("pow_tensor", lambda T, a, b: a**b, BINARY, domains=("positive", "real")),
    Row("rpow", lambda T, a: 2.0**a),
    Row("radd", lambda T, a: 2 + a),
    Row("rsub", lambda T, a: 1 - a),
    Row("rmul", lambda T, a: 2 * a),
    Row("rdiv", lambda T, a: 1 / a, domains=("away",)),
    Row("neg", lambda T, a: -a),
    Row(
        "sum",
        lambda T, a, dim, keepdim: a.sum() if dim is None else a.sum(dim=dim, keepdim=keepdim),
        params=reduce_params,
    ),
    Row(
        "sum_fn",
        lambda T, a, dim, keepdim: T.sum(a) if dim is None else T.sum(a, dim, keepdim),
        params=reduce_params,
    ),
    Row(
        "mean",
        lambda T, a, dim, keepdim: a.mean() if dim is None else a.mean(dim=dim, keepdim=keepdim),
        params=reduce_params,
    ),
    Row("sigmoid", lambda T, a: a.sigmoid()),
    Row("sigmoid_fn", lambda T, a: T.sigmoid(a)),
    Row("relu", lambda T, a: a.relu(), domains=("away",)),
    # more elementwise maths
    Row("exp", lambda T, a: a.exp()),
    Row("log", lambda T, a: a.log(), domains=("positive",)),
    Row("tanh", lambda T, a: a.tanh()),
    Row("sqrt", lambda T, a: a.sqrt(), domains=("positive",)),
    Row("abs", lambda T, a: a.abs(), domains=("away",)),
    Row("abs_builtin", lambda T, a: abs(a), domains=("away",)),
    Row("where", lambda T, a, b: T.where(a > 0, a, b), BINARY, domains=("away", "real")),
    # shape ops the backward formulas are built from
    Row("reshape", lambda T, a, shape: a.reshape(shape), params=reshape_params),
    Row("expand", lambda T, a, sizes: a.expand(sizes), params=expand_params),
    Row(
        "transpose",
        lambda T, a, d0, d1: a.transpose(d0, d1),
        params=transpose_params,
        shapes=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4).map(lambda s: (s,)),
    ),
    Row(
        "getitem",
        _index,
        params=index_params,
        shapes=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4).map(lambda s: (s,)),
    ),
    Row("clone", lambda T, a: a.clone()),
    Row("cast_to_float64", lambda T, a: a.to(T.float64) * 2),
]
