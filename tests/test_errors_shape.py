"""Bad input to shape, joining and indexing ops: chainrule raises the exception type torch
raises (both are run), with a message that names the op."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule


def _x(lib, *shape, dtype="float32"):
    return lib.tensor(np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape))


def _i(lib, values):
    return lib.tensor(np.asarray(values, dtype="int64"))


# (case id, words chainrule's message must contain, fn(lib))
CASES = [
    # reshaping
    ("view_bad_size", "invalid for input of size", lambda T: _x(T, 2, 3).view(4, -1)),
    ("view_two_inferred", "view", lambda T: _x(T, 2, 3).view(-1, -1)),
    ("view_negative", "view", lambda T: _x(T, 2, 3).view(-2, 3)),
    ("view_ambiguous_zero", "view", lambda T: _x(T, 0, 3).view(0, -1)),
    ("view_needs_contiguous", "view", lambda T: _x(T, 2, 3).t().view(6)),
    ("reshape_bad_size", "reshape", lambda T: _x(T, 2, 3).reshape(5)),
    ("view_as_bad", "view", lambda T: _x(T, 2, 3).view_as(_x(T, 4))),
    ("flatten_order", "flatten", lambda T: _x(T, 2, 3, 4).flatten(2, 1)),
    ("flatten_dim", "flatten", lambda T: _x(T, 2, 3).flatten(0, 2)),
    ("unflatten_product", "unflatten", lambda T: _x(T, 2, 12).unflatten(1, (5, 2))),
    ("unflatten_empty", "unflatten", lambda T: _x(T, 2, 12).unflatten(1, ())),
    ("unflatten_scalar", "unflatten", lambda T: _x(T).unflatten(0, (1,))),
    ("unflatten_dim", "unflatten", lambda T: _x(T, 2, 12).unflatten(2, (3, 4))),
    ("squeeze_dim", "squeeze", lambda T: _x(T, 1, 3).squeeze(2)),
    ("squeeze_repeated", "squeeze", lambda T: _x(T, 1, 3).squeeze((0, 0))),
    ("unsqueeze_dim", "unsqueeze", lambda T: _x(T, 2).unsqueeze(3)),
    ("unsqueeze_scalar", "unsqueeze", lambda T: _x(T).unsqueeze(-2)),
    # reordering dims
    ("permute_length", "permute", lambda T: _x(T, 2, 3, 4).permute(0, 1)),
    ("permute_repeated", "permute", lambda T: _x(T, 2, 3, 4).permute(0, 1, 1)),
    ("permute_dim", "permute", lambda T: _x(T, 2, 3, 4).permute(0, 1, 5)),
    ("transpose_dim", "transpose", lambda T: _x(T, 2, 3).transpose(0, 2)),
    ("swapaxes_dim", "transpose", lambda T: _x(T, 2, 3).swapaxes(-3, 0)),
    ("t_3d", "t()", lambda T: _x(T, 2, 3, 4).t()),
    ("mT_vector", "mT", lambda T: _x(T, 3).mT),
    ("movedim_lengths", "movedim", lambda T: _x(T, 2, 3).movedim((0,), (1, 0))),
    ("movedim_repeated", "movedim", lambda T: _x(T, 2, 3).movedim((0, 0), (1, 0))),
    ("movedim_dim", "movedim", lambda T: _x(T, 2, 3).movedim(2, 0)),
    # broadcasting and repeating
    ("expand_mismatch", "expand", lambda T: _x(T, 2, 3).expand(4, 3)),
    ("expand_too_few", "expand", lambda T: _x(T, 2, 3).expand(3)),
    ("expand_leading_minus_one", "expand", lambda T: _x(T, 2, 3).expand(-1, 2, 3)),
    ("expand_as_mismatch", "expand", lambda T: _x(T, 2, 3).expand_as(_x(T, 3, 2))),
    ("broadcast_to_mismatch", "expand", lambda T: T.broadcast_to(_x(T, 2, 3), (4, 3))),
    ("repeat_too_few", "repeat", lambda T: _x(T, 2, 3).repeat(2)),
    ("repeat_negative", "repeat", lambda T: _x(T, 2, 3).repeat(-1, 1)),
    ("flip_repeated", "flip", lambda T: _x(T, 2, 3).flip(0, 0)),
    ("flip_dim", "flip", lambda T: _x(T, 2, 3).flip(2)),
    ("roll_align", "roll", lambda T: _x(T, 2, 3).roll((1, 2), (0,))),
    ("roll_flat_align", "roll", lambda T: _x(T, 2, 3).roll((1, 2))),
    ("roll_dim", "roll", lambda T: _x(T, 2, 3).roll(1, 2)),
    ("roll_scalar_dim", "roll", lambda T: T.roll(_x(T), 1, 0)),
    # joining and splitting
    ("cat_empty_list", "cat", lambda T: T.cat([])),
    ("cat_scalars", "cat", lambda T: T.cat([_x(T), _x(T)])),
    ("cat_ndim", "cat", lambda T: T.cat([_x(T, 2, 3), _x(T, 2)])),
    ("cat_sizes", "cat", lambda T: T.cat([_x(T, 2, 3), _x(T, 3, 3)], 1)),
    ("cat_dim", "cat", lambda T: T.cat([_x(T, 2, 3), _x(T, 2, 3)], 2)),
    ("cat_not_tensors", "cat", lambda T: T.cat([_x(T, 2), 3])),
    ("cat_tensor_not_list", "cat", lambda T: T.cat(_x(T, 2, 3))),
    ("stack_empty", "stack", lambda T: T.stack([])),
    ("stack_sizes", "stack", lambda T: T.stack([_x(T, 2), _x(T, 3)])),
    ("stack_dim", "stack", lambda T: T.stack([_x(T, 2), _x(T, 2)], 3)),
    ("split_sum", "split_with_sizes", lambda T: _x(T, 5).split([2, 2])),
    ("split_negative_sizes", "split_with_sizes", lambda T: _x(T, 5).split([-1, 6])),
    ("split_zero", "split", lambda T: _x(T, 5).split(0)),
    ("split_negative", "split", lambda T: _x(T, 5).split(-1)),
    ("split_scalar", "split", lambda T: _x(T).split(1)),
    ("split_dim", "split", lambda T: _x(T, 5).split(1, 1)),
    ("chunk_zero", "chunk", lambda T: _x(T, 5).chunk(0)),
    ("chunk_scalar", "chunk", lambda T: _x(T).chunk(2)),
    ("unbind_scalar", "unbind", lambda T: _x(T).unbind()),
    ("unbind_dim", "unbind", lambda T: _x(T, 2, 3).unbind(2)),
    ("narrow_start", "narrow", lambda T: _x(T, 3).narrow(0, 4, 0)),
    ("narrow_length", "narrow", lambda T: _x(T, 3).narrow(0, 1, 3)),
    ("narrow_negative_length", "narrow", lambda T: _x(T, 3).narrow(0, 1, -1)),
    ("narrow_dim", "narrow", lambda T: _x(T, 3).narrow(1, 0, 1)),
    ("narrow_scalar", "narrow", lambda T: _x(T).narrow(0, 0, 1)),
    ("select_index", "select", lambda T: _x(T, 3).select(0, 5)),
    ("select_scalar", "select", lambda T: _x(T).select(0, 0)),
    # x[key]
    ("getitem_out_of_range", "__getitem__", lambda T: _x(T, 3)[5]),
    ("getitem_too_many", "__getitem__", lambda T: _x(T, 3)[0, 0]),
    ("getitem_list_out_of_range", "__getitem__", lambda T: _x(T, 3)[[0, 3]]),
    ("getitem_mask_shape", "__getitem__", lambda T: _x(T, 3)[T.tensor([True, False])]),
    ("getitem_float_tensor", "__getitem__", lambda T: _x(T, 3)[T.tensor([0.0])]),
    ("getitem_negative_step", "step", lambda T: _x(T, 3)[::-1]),
    ("getitem_zero_step", "step", lambda T: _x(T, 3)[::0]),
    ("setitem_shape", "shape mismatch", lambda T: _x(T, 3, 4).__setitem__(0, _x(T, 3))),
    ("setitem_out_of_range", "__setitem__", lambda T: _x(T, 3).__setitem__(5, 1.0)),
    (
        "setitem_advanced_shape",
        "shape mismatch",
        lambda T: _x(T, 3, 4).__setitem__([0, 1], _x(T, 3, 4)),
    ),
    (
        "setitem_dtype",
        "dtypes match",
        lambda T: _x(T, 3).__setitem__([0], _x(T, 1, dtype="float64")),
    ),
    ("setitem_list_value", "__setitem__", lambda T: _x(T, 3).__setitem__(0, [1.0])),
    # index tensors
    ("gather_out_of_range", "gather", lambda T: _x(T, 3, 4).gather(1, _i(T, [[0, 5]]))),
    ("gather_negative", "gather", lambda T: _x(T, 3).gather(0, _i(T, [-1]))),
    ("gather_ndim", "gather", lambda T: _x(T, 3, 4).gather(1, _i(T, [0, 1]))),
    ("gather_float_index", "gather", lambda T: _x(T, 3, 4).gather(1, T.tensor([[0.0]]))),
    ("gather_index_too_big", "gather", lambda T: _x(T, 3, 4).gather(1, _i(T, np.zeros((5, 2))))),
    ("gather_dim", "gather", lambda T: _x(T, 3, 4).gather(2, _i(T, [[0]]))),
    (
        "scatter_dtype",
        "scatter",
        lambda T: _x(T, 3, 4).scatter(0, _i(T, [[0]]), _x(T, 1, 1, dtype="float64")),
    ),
    (
        "scatter_src_small",
        "scatter",
        lambda T: _x(T, 3, 4).scatter(0, _i(T, [[0, 1], [2, 0]]), _x(T, 1, 2)),
    ),
    ("scatter_out_of_range", "scatter", lambda T: _x(T, 3, 4).scatter(0, _i(T, [[5]]), 1.0)),
    ("scatter_src_ndim", "scatter", lambda T: _x(T, 3, 4).scatter(0, _i(T, [[0]]), _x(T))),
    (
        "scatter_add_dtype",
        "scatter_add",
        lambda T: _x(T, 3, 4).scatter_add(0, _i(T, [[0]]), _x(T, 1, 1, dtype="float64")),
    ),
    (
        "scatter_add_index_ndim",
        "scatter_add",
        lambda T: _x(T, 3, 4).scatter_add(0, _i(T, [0]), _x(T, 1)),
    ),
    ("index_select_matrix", "index_select", lambda T: _x(T, 3, 4).index_select(0, _i(T, [[0]]))),
    ("index_select_range", "index_select", lambda T: _x(T, 3, 4).index_select(0, _i(T, [3]))),
    ("index_select_negative", "index_select", lambda T: _x(T, 3, 4).index_select(0, _i(T, [-1]))),
    ("index_select_float", "index_select", lambda T: _x(T, 3).index_select(0, T.tensor([1.0]))),
    ("index_select_dim", "index_select", lambda T: _x(T, 3).index_select(1, _i(T, [0]))),
    ("take_range", "take", lambda T: T.take(_x(T, 3, 4), _i(T, [12]))),
    ("take_negative_range", "take", lambda T: T.take(_x(T, 3, 4), _i(T, [-13]))),
    ("take_int32", "take", lambda T: T.take(_x(T, 3), T.tensor([0], dtype=T.int32))),
    # masks
    (
        "masked_fill_float_mask",
        "masked_fill",
        lambda T: _x(T, 3).masked_fill(T.tensor([1.0, 0.0, 1.0]), 0.0),
    ),
    (
        "masked_fill_uint8_mask",
        "masked_fill",
        lambda T: _x(T, 3).masked_fill(T.tensor([1, 0, 1], dtype=T.uint8), 0.0),
    ),
    ("masked_fill_shape", "masked_fill", lambda T: _x(T, 3, 4).masked_fill(_x(T, 2) > 0, 0.0)),
    (
        "masked_fill_value_1d",
        "masked_fill",
        lambda T: _x(T, 3).masked_fill(_x(T, 3) > 0, T.tensor([2.0])),
    ),
    (
        "masked_fill_inplace_grows",
        "masked_fill_",
        lambda T: _x(T, 4).masked_fill_(_x(T, 3, 4) > 0, 1.0),
    ),
    (
        "masked_select_float_mask",
        "masked_select",
        lambda T: _x(T, 3).masked_select(T.tensor([1.0, 0.0, 1.0])),
    ),
    ("masked_select_shape", "masked_select", lambda T: _x(T, 3, 4).masked_select(_x(T, 2) > 0)),
    # diagonals and triangles
    ("tril_vector", "tril", lambda T: _x(T, 3).tril()),
    ("triu_scalar", "triu", lambda T: T.triu(_x(T))),
    ("diag_3d", "diag", lambda T: _x(T, 2, 3, 4).diag()),
    ("diag_scalar", "diag", lambda T: T.diag(_x(T))),
    ("diagonal_same_dims", "diagonal", lambda T: _x(T, 3, 4).diagonal(0, 1, 1)),
    ("diagonal_dim", "diagonal", lambda T: _x(T, 3, 4).diagonal(0, 0, 2)),
    ("diagonal_vector", "diagonal", lambda T: _x(T, 3).diagonal()),
    ("diag_embed_same_dims", "diag_embed", lambda T: T.diag_embed(_x(T, 2, 3), 1, 0, 0)),
    ("diag_embed_scalar", "diag_embed", lambda T: T.diag_embed(_x(T))),
    ("trace_vector", "trace", lambda T: _x(T, 3).trace()),
    ("trace_3d", "trace", lambda T: _x(T, 2, 2, 2).trace()),
]


@pytest.mark.parametrize("words, fn", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_exception_as_torch(words, fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(chainrule)
    assert got.type is expected.type, (
        f"torch raised {expected.type.__name__}: {expected.value}; chainrule {got.type.__name__}"
    )
    assert words in str(got.value), f"{words!r} not in {str(got.value)!r}"
