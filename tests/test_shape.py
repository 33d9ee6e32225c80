"""Shape, joining and indexing ops beyond the op table: views and memory, version counters,
in-place writes (``x[key] = v``, ``masked_fill_``), integer and bool tensors, PyTorch's
indexing rules where they differ from NumPy's, and ``.T``'s warnings. Every expectation
comes from running the same code on torch, or from hand maths where torch cannot answer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule
from torchpair import same


def _both(values, dtype="float32", requires_grad=False):
    arr = np.asarray(values, dtype=dtype)
    return (
        chainrule.tensor(arr.copy(), requires_grad=requires_grad),
        torch.tensor(arr.copy(), requires_grad=requires_grad),
    )


def _grid(*shape, dtype="float32"):
    return _both(np.arange(int(np.prod(shape))).reshape(shape), dtype)


# ---------------------------------------------------------------- views and copies
VIEWS = {
    "view": lambda x: x.view(6, 4),
    "reshape": lambda x: x.reshape(-1),
    "view_as": lambda x: x.view_as(x.reshape(4, 6)),
    "flatten": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "squeeze": lambda x: x[:1].squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "permute": lambda x: x.permute(2, 0, 1),
    "transpose": lambda x: x.transpose(0, 2),
    "movedim": lambda x: x.movedim(0, -1),
    "t": lambda x: x[0].t(),
    "T": lambda x: x[0].T,
    "mT": lambda x: x.mT,
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(2, -1),
    "getitem": lambda x: x[1, ::2, None],
    "diagonal": lambda x: x.diagonal(1, 1, 2),
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 2)[1],
    "unbind": lambda x: x.unbind(1)[2],
}

COPIES = {
    "reshape_of_transpose": lambda x: x.transpose(0, 1).reshape(-1),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1, 1),
    "repeat": lambda x: x.repeat(1, 1, 1),
    "tile": lambda x: x.tile((1,)),
    "cat": lambda lib, x: lib.cat([x], 0),
    "stack": lambda lib, x: lib.stack([x]),
    "gather": lambda lib, x: x.gather(0, lib.tensor(np.zeros((1, 3, 4), "int64"))),
    "index_select": lambda lib, x: x.index_select(1, lib.tensor([0, 1])),
    "masked_select": lambda lib, x: x.masked_select(x > 3),
    "masked_fill": lambda lib, x: x.masked_fill(x > 3, 0.0),
    "take": lambda lib, x: lib.take(x, lib.tensor([0, 1])),
    "getitem_list": lambda x: x[[0, 1]],
    "diag": lambda x: x[0].diag(),
    "tril": lambda x: x.tril(),
    "clone": lambda x: x.clone(),
    "contiguous_of_transpose": lambda x: x.transpose(0, 1).contiguous(),
}


def _call(fn, lib, x):
    return fn(lib, x) if fn.__code__.co_argcount == 2 else fn(x)


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_memory_and_version_with_their_base(name):
    c, t = _grid(2, 3, 4)
    vc, vt = VIEWS[name](c), VIEWS[name](t)
    same(vc, vt)
    assert vt._base is t  # torch agrees that this op makes a view
    c[...] = 7.0  # an in-place write to the base shows through the view ...
    t[...] = 7.0
    same(vc, vt)
    assert vc._version_value == vt._version == c._version_value == t._version


@pytest.mark.parametrize("name", COPIES)
def test_copies_own_their_memory(name):
    c, t = _grid(2, 3, 4)
    vc, vt = _call(COPIES[name], chainrule, c), _call(COPIES[name], torch, t)
    same(vc, vt)
    assert vt._base is None
    c[...] = 7.0
    t[...] = 7.0
    same(vc, vt)  # unchanged by the write
    assert vc._version_value == vt._version == 0


def test_contiguous_returns_self_only_when_already_contiguous():
    c, t = _grid(2, 3)
    assert c.contiguous() is c and t.contiguous() is t
    assert c.is_contiguous() and t.is_contiguous()
    ct, tt = c.t(), t.t()
    assert not ct.is_contiguous() and not tt.is_contiguous()
    assert ct.contiguous() is not ct and ct.contiguous().is_contiguous()
    assert c[:, :1].expand(2, 5).is_contiguous() == t[:, :1].expand(2, 5).is_contiguous()


def test_flatten_with_equal_dims_returns_the_input_itself():
    c, t = _grid(2, 3)
    assert (c.flatten(1, 1) is c) == (t.flatten(1, 1) is t)


# ---------------------------------------------------------------- .T and .mT
@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_T_warns_like_torch_outside_two_dims(shape):
    c, t = _grid(*shape)
    with pytest.warns(UserWarning, match="deprecated"):
        vc = c.T
    same(vc, t.permute(tuple(range(t.ndim - 1, -1, -1))))


def test_T_of_a_matrix_and_mT_of_a_scalar():
    c, t = _grid(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same(c.T, t.T)
    with pytest.warns(UserWarning, match="0-D"):
        same(chainrule.tensor(2.0).mT, torch.tensor(2.0))


# ---------------------------------------------------------------- x[key] = value
def test_setitem_on_a_leaf_that_requires_grad_raises_like_torch():
    c, t = _both([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        t[0] = 5.0
    with pytest.raises(RuntimeError, match="__setitem__"):
        c[0] = 5.0
    with pytest.raises(RuntimeError, match="masked_fill_"):
        c.masked_fill_(c > 1, 0.0)
    with torch.no_grad():
        t[0] = 5.0
    with chainrule.no_grad():
        c[0] = 5.0
    same(c, t)
    assert c.is_leaf and c.requires_grad and c._version_value == t._version == 1


def test_setitem_makes_a_plain_tensor_part_of_the_graph():
    c, t = _both(np.zeros((2, 3)))
    vc, vt = _both([1.0, 2.0, 3.0], requires_grad=True)
    c[1] = vc * 2
    t[1] = vt * 2
    assert (c.requires_grad, c.is_leaf) == (t.requires_grad, t.is_leaf) == (True, False)
    (c * c).sum().backward()
    (t * t).sum().backward()
    same(vc.grad, vt.grad)


def test_setitem_routes_gradient_around_the_written_positions():
    # x = a * 3, then x[0, 1:] = v: d sum(x * w) / da is 3 w except where v was written
    ac, at = _both(np.ones((2, 3)), requires_grad=True)
    vc, vt = _both([10.0, 20.0], requires_grad=True)
    w = np.arange(6.0).reshape(2, 3)
    for a, v, lib in ((ac, vc, chainrule), (at, vt, torch)):
        x = a * 3
        x[0, 1:] = v
        (x * lib.tensor(w, dtype=lib.float32)).sum().backward()
    np.testing.assert_allclose(ac.grad.numpy(), [[0.0, 0.0, 0.0], [9.0, 12.0, 15.0]])
    np.testing.assert_allclose(ac.grad.numpy(), w * 3 * [[1, 0, 0], [1, 1, 1]])
    same(ac.grad, at.grad)
    same(vc.grad, vt.grad)


def test_setitem_bumps_the_version_so_saved_tensors_raise():
    for lib in (chainrule, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        x = a * 1
        y = x * x  # saves x
        x[0] = 3.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_masked_fill_inplace_records_like_torch():
    ac, at = _both([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    vc, vt = _both(5.0, requires_grad=True)
    out = []
    for a, v in ((ac, vc), (at, vt)):
        x = a * 2
        r = x.masked_fill_(a < 0, v)
        assert r is x
        (x * x).sum().backward()
        out.append(x)
    same(out[0], out[1])
    same(ac.grad, at.grad)
    same(vc.grad, vt.grad)
    assert out[0].grad_fn.name() == out[1].grad_fn.name() == "MaskedFillBackward1"


def test_setitem_writes_through_a_diagonal_view():
    c, t = _grid(2, 3)
    c.diagonal()[:] = 0.0
    t.diagonal()[:] = 0.0
    same(c, t)


@pytest.mark.parametrize(
    "key, value",
    [
        ((0,), 2.7),  # a float into an int tensor truncates (basic indexing casts)
        ((slice(None), 1), np.float64(-1.5)),
        ((Ellipsis,), 3),
    ],
)
def test_setitem_casts_numbers_into_int_tensors(key, value):
    c, t = _grid(2, 3, dtype="int64")
    c[key] = value
    t[key] = value
    same(c, t)


def test_setitem_value_with_extra_leading_ones():
    c, t = _both(np.zeros((3, 4)))
    vc, vt = _both(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    c[1] = vc.detach()  # untracked
    t[1] = vt.detach()
    same(c, t)
    c[0] = vc  # tracked: the gradient must come back in v's own shape
    t[0] = vt
    (c * 2).sum().backward()
    (t * 2).sum().backward()
    same(c, t)
    same(vc.grad, vt.grad)


def test_setitem_refuses_what_torch_refuses():
    c, t = _both(np.arange(5.0))
    for x, lib in ((c, chainrule), (t, torch)):
        with pytest.raises(RuntimeError, match="single memory location"):
            x[1:] = x[:-1]  # overlapping source and destination
        x[1:3] = x[1:3]  # exactly the same memory is fine
        with pytest.raises(TypeError):
            x[0] = [1.0, 2.0]
        with pytest.raises(TypeError):
            x[0] = np.ones(())
        with pytest.raises(RuntimeError, match="dtypes match"):
            x[[0, 1]] = lib.tensor([1.0, 2.0], dtype=lib.float64)


def test_setitem_on_an_expanded_tensor_is_refused():
    c = chainrule.tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(RuntimeError, match="single memory location"):
        c[0, 0] = 5.0


def test_setitem_on_a_view_of_a_graph_tensor_is_refused():
    # PyTorch rewrites the base's history (CopySlices); chainrule does not track bases, so it
    # refuses instead of silently leaving the base's graph stale.
    a = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = (a * 1)[0:2]
    with pytest.raises(RuntimeError, match="view"):
        v[0] = 5.0


# ---------------------------------------------------------------- PyTorch's indexing rules
MIXED_KEYS = [
    (0, slice(None), [1, 2]),  # NumPy would move the list's dim to the front
    (0, None, [1, 2], slice(None), 0),
    (slice(None), [0, 1], slice(None), 0),
    (slice(None), 0, slice(None), [0, 1]),
    (1, [0, 1], slice(None), [1, 2]),
    (0, [0, 1], [0, 2]),
    ([0, 1], slice(None), 1),
    (slice(None), [[0], [2]], 0, [[1, 2]]),
    (0, np.array([True, False, True]), slice(None), 1),
    (slice(None), np.array([True, False, True]), 0),
    (Ellipsis, 0, [1, 1, 0]),
    (None, 1, Ellipsis, [0, 0]),
]


def _tkey(lib, key):
    return tuple(lib.tensor(k) if isinstance(k, (list, np.ndarray)) else k for k in key)


@pytest.mark.parametrize("key", MIXED_KEYS, ids=str)
def test_mixed_int_and_array_keys_follow_torch(key):
    c, t = _both(np.arange(120.0).reshape(2, 3, 4, 5), requires_grad=True)
    yc, yt = c[_tkey(chainrule, key)], t[_tkey(torch, key)]
    same(yc, yt)
    g = np.random.default_rng(0).standard_normal(tuple(yt.shape)).astype("float32")
    yc.backward(chainrule.tensor(g))
    yt.backward(torch.tensor(g))
    same(c.grad, t.grad)


@pytest.mark.parametrize("key", MIXED_KEYS[:6], ids=str)
def test_mixed_keys_write_where_torch_writes(key):
    c, t = _both(np.zeros((2, 3, 4, 5)))
    shape = tuple(t[_tkey(torch, key)].shape)
    v = np.arange(np.prod(shape), dtype="float32").reshape(shape) + 1
    c[_tkey(chainrule, key)] = chainrule.tensor(v)
    t[_tkey(torch, key)] = torch.tensor(v)
    same(c, t)


@pytest.mark.parametrize("step", [-1, 0])
def test_slices_need_a_positive_step(step):
    c, t = _grid(4)
    with pytest.raises(ValueError):
        t[::step]
    with pytest.raises(ValueError, match="step"):
        c[::step]


def test_zero_dim_integer_tensor_indexes_like_an_int():
    c, t = _grid(2, 3, 4)
    same(c[chainrule.tensor(1), :, [1, 2]], t[torch.tensor(1), :, [1, 2]])
    same(c[chainrule.tensor(1)], t[torch.tensor(1)])


# ---------------------------------------------------------------- integer and bool tensors
INT_CASES = {
    "cat": lambda lib, x: lib.cat([x, x * 2], 1),
    "stack": lambda lib, x: lib.stack([x, x], -1),
    "split": lambda lib, x: x.split([1, 2], 1),
    "chunk": lambda lib, x: x.chunk(3, 1),
    "unbind": lambda lib, x: x.unbind(0),
    "flip": lambda lib, x: x.flip(0, 1),
    "roll": lambda lib, x: x.roll(2),
    "repeat": lambda lib, x: x.repeat(2, 1, 2),
    "tile": lambda lib, x: x.tile((2,)),
    "gather": lambda lib, x: x.gather(1, lib.tensor([[2, 2], [0, 1]])),
    "scatter": lambda lib, x: x.scatter(1, lib.tensor([[2], [0]]), lib.tensor([[7], [8]])),
    "scatter_value": lambda lib, x: x.scatter(0, lib.tensor([[1, 0, 1]]), 9),
    "scatter_add": lambda lib, x: x.scatter_add(1, lib.tensor([[0, 0]]), lib.tensor([[5, 6]])),
    "index_select": lambda lib, x: x.index_select(1, lib.tensor([2, 0, 2])),
    "masked_fill_float_value": lambda lib, x: x.masked_fill(x > 2, 2.7),
    "masked_select": lambda lib, x: x.masked_select(lib.tensor([True, False, True])),
    "take": lambda lib, x: x.take(lib.tensor([[-1, 0], [3, 3]])),
    "tril": lambda lib, x: x.tril(-1),
    "triu": lambda lib, x: lib.triu(x, 1),
    "diag": lambda lib, x: x.diag(1),
    "diag_vector": lambda lib, x: lib.diag(x[0], -1),
    "diagonal": lambda lib, x: x.diagonal(),
    "diag_embed": lambda lib, x: lib.diag_embed(x),
    "trace": lambda lib, x: x.trace(),
    "getitem_mask": lambda lib, x: x[x % 2 == 0],
    "getitem_list": lambda lib, x: x[[1, 1, 0], 1:],
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name", INT_CASES)
def test_integer_and_bool_tensors(name, dtype):
    values = np.array([[0, 1, 2], [3, 4, 5]])
    if dtype == "bool":
        values = values % 2
    c, t = chainrule.tensor(values.astype(dtype)), torch.tensor(values.astype(dtype))
    if name in ("scatter", "scatter_add") and dtype != "int64":
        c, t = c.long(), t.long()
    try:
        out_t = INT_CASES[name](torch, t)
    except Exception as e:  # PyTorch refuses (e.g. trace of bool): chainrule must too
        with pytest.raises(type(e)):
            INT_CASES[name](chainrule, c)
        return
    out_c = INT_CASES[name](chainrule, c)
    out_c = out_c if isinstance(out_c, tuple) else (out_c,)
    out_t = out_t if isinstance(out_t, tuple) else (out_t,)
    assert len(out_c) == len(out_t)
    for a, b in zip(out_c, out_t):
        same(a, b)
        assert not a.requires_grad


# ---------------------------------------------------------------- edge cases
def test_zero_dim_gather_scatter_index_select():
    c, t = _both(2.5, requires_grad=True)
    zc, zt = chainrule.tensor(0), torch.tensor(0)
    cases = [
        lambda lib, x, z: x.gather(0, z),
        lambda lib, x, z: x.gather(0, z.reshape(1)),
        lambda lib, x, z: x.scatter(0, z, x * 3),
        lambda lib, x, z: x.index_select(0, z.reshape(1)),
        lambda lib, x, z: x.index_select(-1, z),
        lambda lib, x, z: lib.take(x, z.reshape(1, 1)),
    ]
    for fn in cases:
        same(fn(chainrule, c, zc), fn(torch, t, zt))
    same(chainrule.tensor([1.0, 2.0]).gather(0, zc), torch.tensor([1.0, 2.0]).gather(0, zt))


def test_scatter_reads_only_the_index_shaped_block_of_a_larger_src():
    # torch 2.13 computes the values but mis-shapes src's gradient (its engine raises), so
    # the gradient is checked by hand: src[i] reaches the output at index[i] for i < 2 only.
    x = chainrule.tensor([0.0, 0.0, 0.0], requires_grad=True)
    src = chainrule.tensor([10.0, 20.0, 30.0, 40.0], requires_grad=True)
    out = x.scatter(0, chainrule.tensor([2, 0]), src)
    same(out, torch.zeros(3).scatter(0, torch.tensor([2, 0]), torch.tensor([10.0, 20, 30, 40])))
    (out * chainrule.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), [3.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 2.0, 0.0])


@pytest.mark.parametrize("n, chunks", [(0, 3), (5, 4), (6, 4), (7, 3), (1, 5), (4, 4)])
def test_chunk_sizes_follow_torch(n, chunks):
    c, t = _grid(n, 2)
    assert [p.shape[0] for p in c.chunk(chunks)] == [p.shape[0] for p in t.chunk(chunks)]


def test_split_pieces_are_views_sharing_the_version():
    c, t = _grid(5, 2)
    pieces_c, pieces_t = c.split(2), t.split(2)
    c[...] = 1.0
    t[...] = 1.0
    assert [p._version_value for p in pieces_c] == [p._version for p in pieces_t] == [1, 1, 1]
    same(pieces_c[2], pieces_t[2])


def test_unbind_of_an_empty_dim_and_of_a_sequence():
    assert chainrule.tensor(np.zeros((0, 3))).unbind(0) == () == torch.zeros(0, 3).unbind(0)
    # an RNN reads one step at a time: every step's gradient lands in its own slice
    xc, xt = _both(np.arange(12.0).reshape(4, 3), requires_grad=True)
    for x in (xc, xt):
        total = 0
        for k, step in enumerate(x.unbind(0)):
            total = total + step * (k + 1)
        total.sum().backward()
    same(xc.grad, xt.grad)


def test_cat_promotes_and_skips_legacy_empty_vectors():
    a = np.ones((2, 3), "float32")
    same(
        chainrule.cat([chainrule.tensor(a), chainrule.tensor([], dtype=chainrule.float64)]),
        torch.cat([torch.tensor(a), torch.zeros(0, dtype=torch.float64)]),
    )
    same(
        chainrule.cat([chainrule.tensor(a), chainrule.tensor([[1, 2, 3]])]),
        torch.cat([torch.tensor(a), torch.tensor([[1, 2, 3]])]),
    )
    same(chainrule.cat([chainrule.tensor([])] * 2), torch.cat([torch.zeros(0)] * 2))


def test_stack_promotes_zero_dim_tensors_like_torch():
    for a, b in ((1.0, "float64"), (1, "float32"), (True, "int32")):
        c = chainrule.stack([chainrule.tensor(a), chainrule.tensor(2, dtype=getattr(chainrule, b))])
        t = torch.stack([torch.tensor(a), torch.tensor(2, dtype=getattr(torch, b))])
        same(c, t)
