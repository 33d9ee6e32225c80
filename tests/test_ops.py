"""Every row of the op table against PyTorch (values, dtypes, gradients, second order) and
against finite differences (gradcheck, gradgradcheck)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from optable import ROW_IDS, ROWS, make_inputs
from parity import check_parity


def _draw_case(row, data):
    shapes = data.draw(row.shapes, label="shapes")
    params = data.draw(row.params(shapes), label="params")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    arrays = make_inputs(row, shapes, np.random.default_rng(seed))
    fn = lambda lib, *xs: row.fn(lib, *xs, **params)  # noqa: E731
    return fn, arrays, seed


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
@given(data=st.data())
def test_parity_with_torch(row, dtype, data):
    fn, arrays, seed = _draw_case(row, data)
    check_parity(fn, arrays, dtype=dtype, seed=seed)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r.second_order], ids=[r.name for r in ROWS if r.second_order]
)
@settings(max_examples=15)
@given(data=st.data())
def test_second_order_parity_with_torch(row, data):
    fn, arrays, seed = _draw_case(row, data)
    check_parity(fn, arrays, dtype="float64", seed=seed, second_order=True)


def _leaves(arrays):
    return tuple(chainrule.tensor(a, requires_grad=True) for a in arrays)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
@settings(max_examples=8)
@given(data=st.data())
def test_gradcheck(row, data):
    fn, arrays, _ = _draw_case(row, data)
    assert chainrule.autograd.gradcheck(lambda *xs: fn(chainrule, *xs), _leaves(arrays))


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r.second_order], ids=[r.name for r in ROWS if r.second_order]
)
@settings(max_examples=5)
@given(data=st.data())
def test_gradgradcheck(row, data):
    fn, arrays, _ = _draw_case(row, data)
    assert chainrule.autograd.gradgradcheck(lambda *xs: fn(chainrule, *xs), _leaves(arrays))
