"""Op-table rows: shape, joining, indexing and diagonal ops (issue 3).

Every row runs on chainrule and on torch (parity of values, dtypes and gradients in float32
and float64, second order) and through gradcheck/gradgradcheck. Index arrays and masks are
drawn as NumPy arrays (tests/shape_strategies.py) and become ``lib.tensor`` inside the row.
Non-differentiable behaviour and errors live in tests/test_shape.py and
tests/test_errors_shape.py.
"""

from __future__ import annotations

from hypothesis import strategies as st

import shape_strategies as S
from opspec import UNARY, Row, expand_params, reshape_params

ND1 = S.shapes(min_dims=1)
NONEMPTY_DIM = ND1.filter(lambda s: any(s[0]))
ND1_FULL = S.shapes(min_dims=1, min_side=1)
MATRIX = S.shapes(min_dims=2, max_dims=2)
BATCHED = S.shapes(min_dims=2)
UPTO2 = S.shapes(max_dims=2)
SMALL = S.shapes(max_side=3)
NONEMPTY = S.shapes(min_side=1)


def _key(T, key, lists=False):
    """NumPy masks inside a key become ``T.tensor``, and so do lists unless ``lists``."""
    parts = key if isinstance(key, tuple) else (key,)
    out = tuple(
        T.tensor(k) if (isinstance(k, list) and not lists) or hasattr(k, "dtype") else k
        for k in parts
    )
    return out if isinstance(key, tuple) else out[0]


def _varargs(method, args: tuple):
    """``x.f(*args)``, as ``x.f(())`` when there are none (torch refuses ``x.f()``)."""
    return method(*args) if args else method(args)


def _setitem(T, a, v, key):
    x = a * 1  # a non-leaf: x's new grad_fn must route to a (outside key) and to v
    x[_key(T, key)] = v
    return x


def _setitem_scalar(T, a, v, key):
    x = a * 1
    x[_key(T, key)] = 2.5
    return x * v.sum()


def _setitem_into_leaf(T, a, v, key):
    x = a.detach() * 0  # a leaf without grad (and constant): after the write, x depends on v
    x[_key(T, key)] = v
    return x


def _masked_fill_(T, a, v, mask):
    x = a * 2
    x.masked_fill_(T.tensor(mask), v.sum())
    return x


def _split(T, a, size, dim):
    return a.split(size, dim)


ROWS = [
    # ------------------------------------------------------------ reshaping
    Row("view", lambda T, a, shape: a.view(shape), params=reshape_params),
    Row("view_varargs", lambda T, a, shape: _varargs(a.view, shape), params=reshape_params),
    Row("view_as", lambda T, a, shape: a.view_as(a.detach().reshape(shape)), params=reshape_params),
    Row(
        "reshape_as",
        lambda T, a, shape: a.reshape_as(a.detach().reshape(shape)),
        params=reshape_params,
    ),
    Row("reshape_fn", lambda T, a, shape: T.reshape(a, shape), params=reshape_params),
    Row("reshape_copy", lambda T, a: a.t().reshape(-1) * 1, MATRIX),
    Row("flatten", lambda T, a, **p: a.flatten(**p), params=S.flatten_params),
    Row("flatten_fn", lambda T, a: T.flatten(a)),
    Row(
        "unflatten",
        lambda T, a, dim, sizes: a.unflatten(dim, sizes),
        ND1,
        params=S.unflatten_params,
    ),
    Row("squeeze", lambda T, a: a.squeeze()),
    Row("squeeze_dim", lambda T, a, dim: a.squeeze(dim), params=S.squeeze_params),
    Row("squeeze_fn", lambda T, a, dim: T.squeeze(a, dim), params=S.squeeze_params),
    Row("unsqueeze", lambda T, a, dim: a.unsqueeze(dim), params=lambda s: S.dim_params(s, 1)),
    Row("unsqueeze_fn", lambda T, a, dim: T.unsqueeze(a, dim), params=lambda s: S.dim_params(s, 1)),
    Row("contiguous", lambda T, a: a.contiguous()),
    Row("contiguous_copy", lambda T, a: a.t().contiguous(), MATRIX),
    # ------------------------------------------------------------ reordering dims
    Row("permute", lambda T, a, dims: _varargs(a.permute, dims), params=S.permute_params),
    Row("permute_fn", lambda T, a, dims: T.permute(a, dims), params=S.permute_params),
    Row(
        "swapaxes",
        lambda T, a, d0, d1: a.swapaxes(d0, d1),
        ND1,
        params=lambda s: st.fixed_dictionaries(
            {
                "d0": st.integers(-len(s[0]), len(s[0]) - 1),
                "d1": st.integers(-len(s[0]), len(s[0]) - 1),
            }
        ),
    ),
    Row("t", lambda T, a: a.t(), UPTO2),
    Row("t_fn", lambda T, a: T.t(a), UPTO2),
    Row("T", lambda T, a: a.T, MATRIX),
    Row("mT", lambda T, a: a.mT, BATCHED),
    Row("movedim", lambda T, a, **p: a.movedim(**p), ND1, params=S.movedim_params),
    Row("movedim_fn", lambda T, a, **p: T.movedim(a, **p), ND1, params=S.movedim_params),
    # ------------------------------------------------------------ broadcasting and repeating
    Row(
        "expand_as", lambda T, a, sizes: a.expand_as(a.detach().expand(sizes)), params=expand_params
    ),
    Row("broadcast_to", lambda T, a, sizes: T.broadcast_to(a, sizes), params=expand_params),
    Row("repeat", lambda T, a, sizes: _varargs(a.repeat, sizes), SMALL, params=S.repeat_params),
    Row("tile", lambda T, a, dims: T.tile(a, dims), SMALL, params=S.tile_params),
    Row("tile_method", lambda T, a, dims: a.tile(dims), SMALL, params=S.tile_params),
    Row("flip", lambda T, a, dims: T.flip(a, dims), params=S.flip_params),
    Row("flip_method", lambda T, a, dims: _varargs(a.flip, dims), params=S.flip_params),
    Row("roll", lambda T, a, shifts, dims: T.roll(a, shifts, dims), params=S.roll_params),
    # ------------------------------------------------------------ joining and splitting
    Row("cat", lambda T, a, b, c, dim: T.cat([a, b, c], dim), S.cat_shapes(), S.cat_params),
    Row("cat_two", lambda T, a, b, dim: T.cat((a, b), dim=dim), S.cat_shapes(2), S.cat_params),
    Row("concat", lambda T, a, b, dim: T.concat([a, b], dim), S.cat_shapes(2), S.cat_params),
    Row("cat_legacy_empty", lambda T, a, b: T.cat([a, b, a]), st.just(((2, 3), (0,)))),
    Row(
        "cat_promote",
        lambda T, a, b, dim: T.cat([a, b.to(T.float64)], dim),
        S.cat_shapes(2),
        S.cat_params,
    ),
    Row(
        "stack",
        lambda T, a, b, c, dim: T.stack([a, b, c], dim),
        UNARY.map(lambda s: s * 3),
        params=lambda s: S.dim_params(s, 1),
    ),
    Row("stack_one", lambda T, a, dim: T.stack((a,), dim=dim), params=lambda s: S.dim_params(s, 1)),
    Row("split", _split, ND1, params=S.split_params),
    Row("split_sections", _split, ND1, params=lambda s: S.split_params(s, sections=True)),
    Row("split_fn", lambda T, a, size, dim: T.split(a, size, dim=dim), ND1, params=S.split_params),
    Row("chunk", lambda T, a, chunks, dim: a.chunk(chunks, dim), ND1, params=S.chunk_params),
    Row("chunk_fn", lambda T, a, chunks, dim: T.chunk(a, chunks, dim), ND1, params=S.chunk_params),
    Row(
        "unbind", lambda T, a, dim, index: a.unbind(dim), NONEMPTY_DIM, params=S.nonempty_dim_params
    ),
    Row(
        "unbind_fn",
        lambda T, a, dim, index: T.unbind(a, dim),
        NONEMPTY_DIM,
        params=S.nonempty_dim_params,
    ),
    Row("unbind_some", lambda T, a: a.unbind()[0] * 2, ND1_FULL),
    Row("narrow", lambda T, a, **p: a.narrow(**p), ND1, params=S.narrow_params),
    Row(
        "select",
        lambda T, a, dim, index: a.select(dim, index),
        NONEMPTY_DIM,
        params=S.nonempty_dim_params,
    ),
    # ------------------------------------------------------------ index tensors
    Row(
        "gather",
        lambda T, a, dim, index: a.gather(dim, T.tensor(index)),
        ND1_FULL,
        params=S.gather_params,
    ),
    Row(
        "gather_fn",
        lambda T, a, dim, index: T.gather(a, dim, T.tensor(index)),
        ND1_FULL,
        params=S.gather_params,
    ),
    Row(
        "scatter",
        lambda T, a, b, dim, index: a.scatter(dim, T.tensor(index), b),
        S.scatter_shapes(),
        params=S.scatter_params,
    ),
    Row(
        "scatter_value",
        lambda T, a, dim, index: T.scatter(a, dim, T.tensor(index), value=1.5),
        ND1_FULL,
        params=S.scatter_params,
    ),
    Row(
        "scatter_add",
        lambda T, a, b, dim, index: a.scatter_add(dim, T.tensor(index), b),
        S.scatter_shapes(),
        params=lambda s: S.scatter_params(s, unique=False),
    ),
    Row(
        "index_select",
        lambda T, a, dim, index: a.index_select(dim, T.tensor(index)),
        ND1_FULL,
        params=S.index_select_params,
    ),
    Row("take", lambda T, a, index: T.take(a, T.tensor(index)), NONEMPTY, params=S.take_params),
    # ------------------------------------------------------------ masks
    Row(
        "masked_fill", lambda T, a, mask: a.masked_fill(T.tensor(mask), -1.5), params=S.mask_params
    ),
    Row(
        "masked_fill_tensor_value",
        lambda T, a, v, mask: T.masked_fill(a, T.tensor(mask), v),
        UNARY.map(lambda s: (s[0], ())),
        params=lambda s: S.mask_params(s[:1]),
    ),
    Row(
        "masked_fill_",
        _masked_fill_,
        UNARY.map(lambda s: (s[0], (2,))),
        params=lambda s: S.mask_params(s[:1], into=True),
    ),
    Row("masked_select", lambda T, a, mask: a.masked_select(T.tensor(mask)), params=S.mask_params),
    # ------------------------------------------------------------ x[key] and x[key] = v
    Row("getitem_mixed", lambda T, a, key: a[_key(T, key)], params=S.key_params),
    Row("getitem_lists", lambda T, a, key: a[_key(T, key, lists=True)], params=S.key_params),
    Row("setitem", _setitem, S.setitem_shapes(), params=S.keyed_params),
    Row("setitem_scalar", _setitem_scalar, S.setitem_shapes(), params=S.keyed_params),
    Row("setitem_into_leaf", _setitem_into_leaf, S.setitem_shapes(), params=S.keyed_params),
    # ------------------------------------------------------------ diagonals and triangles
    Row("tril", lambda T, a, diagonal: a.tril(diagonal), BATCHED, params=S.offset_params),
    Row(
        "triu", lambda T, a, diagonal: T.triu(a, diagonal=diagonal), BATCHED, params=S.offset_params
    ),
    Row(
        "diag_vector",
        lambda T, a, diagonal: T.diag(a, diagonal),
        S.shapes(1, 1),
        params=S.offset_params,
    ),
    Row("diag_matrix", lambda T, a, diagonal: a.diag(diagonal), MATRIX, params=S.offset_params),
    Row("diagonal", lambda T, a, **p: a.diagonal(**p), BATCHED, params=S.diagonal_params),
    Row("diagonal_fn", lambda T, a: T.diagonal(a), BATCHED),
    Row("diag_embed", lambda T, a, **p: T.diag_embed(a, **p), ND1, params=S.diag_embed_params),
    Row("trace", lambda T, a: a.trace(), MATRIX),
    Row("trace_fn", lambda T, a: T.trace(a), MATRIX),
]
