"""Elementwise ops beyond the op table, against PyTorch: comparisons and logic (no
gradients), dtype promotion with integer and bool inputs, rounding and remainders.

Numerical edge cases (ties, bounds, NaN, magnitude 1e4) are in test_elementwise_numerics.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from elementwise_pairs import assert_grads_match, both
from torchpair import same

INTS = [3, -7, 0, 7, -3]
FLOATS = [1.5, -2.5, 0.0, float("nan"), float("inf"), -float("inf"), -0.5, 2.0]


# ---------------------------------------------------------------- comparisons and logic
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_match_torch_and_never_require_grad(name):
    a, b = [[1.0, 2.0, float("nan")], [3.0, 2.0, 1.0]], [2.0, 2.0, float("nan")]
    c, t = both(lambda T, x, y: getattr(T, name)(x, y), a, b, requires_grad=True)
    same(c, t)
    assert not c.requires_grad and c.grad_fn is None
    c, t = both(lambda T, x: getattr(x, name)(2), a)
    same(c, t)


def test_comparison_operators_and_aliases():
    a, b = [1, 5, 3], [[2.5], [3.0]]
    for op in (
        lambda x, y: x == y,
        lambda x, y: x != y,
        lambda x, y: x < y,
        lambda x, y: x <= y,
        lambda x, y: x > y,
        lambda x, y: x >= y,
    ):
        c, t = both(lambda T, x, y, op=op: op(x, y), a, b)
        same(c, t)
    for name in ["greater", "greater_equal", "less", "less_equal", "not_equal"]:
        c, t = both(lambda T, x, y, name=name: getattr(T, name)(x, y), a, b)
        same(c, t)


def test_tensor_equals_non_number_is_false_like_torch():
    x = chainrule.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711
    assert (x == "a") is False


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary(name):
    a, b = [0.0, 1.5, -2.0, float("nan")], [[1, 0, 0, 3]]
    c, t = both(lambda T, x, y: getattr(T, name)(x, y), a, b)
    same(c, t)
    c, t = both(lambda T, x, y: getattr(x, name)(y), [True, False, True, False], b)
    same(c, t)


def test_logical_not_and_bitwise():
    c, t = both(lambda T, x: T.logical_not(x), [0.0, 2.5, float("nan")])
    same(c, t)
    for fn in (
        lambda T, x, y: x & y,
        lambda T, x, y: x | y,
        lambda T, x, y: x ^ y,
        lambda T, x, y: ~x,
        lambda T, x, y: T.bitwise_and(x, y),
        lambda T, x, y: x.bitwise_xor(y),
    ):
        same(*both(fn, [True, False, True], [True, True, False]))
        same(*both(fn, [12, 5, -3], [10, 3, 7]))


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
@pytest.mark.parametrize("values", [FLOATS, INTS, [True, False]])
def test_value_tests(name, values):
    c, t = both(lambda T, x: getattr(T, name)(x), values)
    same(c, t)
    same(*both(lambda T, x: getattr(x, name)(), values))


@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_and_allclose(equal_nan):
    a = [1.0, 1.0 + 1e-6, float("inf"), float("nan"), 0.0, -float("inf")]
    b = [1.0, 1.0, float("inf"), float("nan"), 1e-9, float("inf")]
    c, t = both(lambda T, x, y: T.isclose(x, y, equal_nan=equal_nan), a, b)
    same(c, t)
    for rtol, atol in [(1e-5, 1e-8), (0.0, 0.0), (1e-7, 0.0)]:
        got = chainrule.allclose(chainrule.tensor(a), chainrule.tensor(b), rtol, atol, equal_nan)
        want = torch.allclose(torch.tensor(a), torch.tensor(b), rtol, atol, equal_nan)
        assert got is want
    # broadcasting, integers and bools
    for x, y in [([1.0, 1.0], [1.0]), ([1, 2], [1, 2]), ([True], [True, False])]:
        assert chainrule.allclose(chainrule.tensor(x), chainrule.tensor(y)) == torch.allclose(
            torch.tensor(x), torch.tensor(y)
        )
        same(*both(lambda T, p, q: p.isclose(q), x, y))


def test_equal():
    cases = [
        ([1.0, 2.0], [1.0, 2.0]),
        ([1.0, 2.0], [1.0]),
        ([1.0, float("nan")], [1.0, float("nan")]),
        ([1, 2], [1.0, 2.0]),
        ([[1.0, 2.0]], [1.0, 2.0]),
        ([True, False], [True, False]),
    ]
    for a, b in cases:
        got = chainrule.equal(chainrule.tensor(a), chainrule.tensor(b))
        assert got is torch.equal(torch.tensor(a), torch.tensor(b)), (a, b)
        assert chainrule.tensor(a).equal(chainrule.tensor(b)) is got


# ---------------------------------------------------------------- dtypes
UNARY_FLOAT = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal",
    "erf", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid",
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), sqrt(-1): NaN/inf as torch
@pytest.mark.parametrize("name", UNARY_FLOAT)
@pytest.mark.parametrize("values", [[3, -1, 0, 1], [True, False]])
def test_unary_float_ops_promote_integers(name, values):
    same(*both(lambda T, x: getattr(T, name)(x), values), rtol=1e-5)


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x: T.abs(x),
        lambda T, x: T.neg(x),
        lambda T, x: T.sign(x),
        lambda T, x: T.square(x),
        lambda T, x: T.floor(x),
        lambda T, x: T.ceil(x),
        lambda T, x: T.trunc(x),
        lambda T, x: T.round(x),
        lambda T, x: T.relu(x),
        lambda T, x: T.nan_to_num(x),
        lambda T, x: T.clamp(x, min=0),
        lambda T, x: T.clamp(x, min=0.5),
        lambda T, x: T.clamp(x, -1, T.tensor(2.5)),
        lambda T, x: T.maximum(x, T.tensor([0.5])),
        lambda T, x: T.minimum(x, T.tensor(1, dtype=T.int32)),
        lambda T, x: T.fmod(x, 2),
        lambda T, x: T.fmod(x, 2.5),
        lambda T, x: T.remainder(x, -2),
        lambda T, x: T.remainder(5, x + 10),
        lambda T, x: x % 3,
        lambda T, x: x // 2,
        lambda T, x: 7 // (x + 10),
        lambda T, x: T.div(x, 2, rounding_mode="trunc"),
        lambda T, x: T.div(x, -2, rounding_mode="floor"),
        lambda T, x: T.div(x, 2.5, rounding_mode="floor"),
        lambda T, x: T.true_divide(x, 2),
        lambda T, x: T.atan2(x, x + 1),
        lambda T, x: T.logaddexp(x, T.tensor([0.5])),
        lambda T, x: T.add(x, 2, alpha=3),
        lambda T, x: T.sub(x, x, alpha=2),
        lambda T, x: T.where(x > 0, x, 2.5),
        lambda T, x: T.where(x > 0, 1, 2),
        lambda T, x: T.where(x > 0, 1.0, 2),
        lambda T, x: T.where(x > 0, x, T.tensor(0.5, dtype=T.float64)),
    ],
)
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_inputs_follow_torch_dtypes(fn, dtype):
    values = np.array(INTS, dtype=dtype)
    same(*both(fn, values))


def test_bool_inputs_follow_torch_dtypes():
    b = [True, False, True]
    for fn in (
        lambda T, x: T.sign(x),
        lambda T, x: T.square(x),
        lambda T, x: T.clamp(x, min=0),
        lambda T, x: T.maximum(x, x),
        lambda T, x: T.add(x, x),
        lambda T, x: T.add(x, 1, alpha=2),
        lambda T, x: T.nan_to_num(x),
        lambda T, x: T.true_divide(x, x),
        lambda T, x: T.where(x, x, False),
    ):
        with np.errstate(invalid="ignore"):  # True / False: torch gives nan too
            same(*both(fn, b))


@pytest.mark.parametrize("low", ["float32", "float16"])
def test_mixed_float_dtypes(low):
    """A 0-d float64 tensor does not promote a dimensioned float32 one; a dimensioned one
    does."""
    x = np.array([0.5, -1.5, 2.0], dtype=low)
    for fn in (
        lambda T, a: T.maximum(a, T.tensor(0.0, dtype=T.float64)),
        lambda T, a: T.maximum(a, T.tensor([0.0], dtype=T.float64)),
        lambda T, a: T.clamp(a, min=T.tensor(0.0, dtype=T.float64)),
        lambda T, a: T.atan2(a, T.tensor(1.0, dtype=T.float64)),
        lambda T, a: T.fmod(a, T.tensor([0.7], dtype=T.float64)),
        lambda T, a: T.lerp(a, a, T.tensor(0.25, dtype=T.float64)),
        lambda T, a: T.logaddexp(a, T.tensor([1.0], dtype=T.float64)),
    ):
        same(*both(fn, x), rtol=1e-3)


# ---------------------------------------------------------------- rounding and remainders
def test_floor_division_and_remainder_values():
    a = [7.5, -7.5, 7.0, -7.0, 0.0, -0.0, 3.25]
    b = [2.0, 2.0, -2.0, -2.0, 3.0, -3.0, 0.5]
    for fn in (
        lambda T, x, y: x // y,
        lambda T, x, y: T.floor_divide(x, y),
        lambda T, x, y: x % y,
        lambda T, x, y: T.fmod(x, y),
        lambda T, x, y: T.remainder(x, y),
        lambda T, x, y: 2.5 % y,
        lambda T, x, y: T.remainder(-2.5, y),
        lambda T, x, y: -4.0 // y,
        lambda T, x, y: T.div(x, y, rounding_mode="trunc"),
        lambda T, x, y: x.div(y, rounding_mode="floor"),
        lambda T, x, y: x.floor_divide(y),
    ):
        same(*both(fn, a, b))
        same(*both(fn, np.array(a, "float32"), np.array(b, "float32")))
        ia, ib = np.array([7, -7, 7, -7, 0, 5, -1]), np.array([2, 2, -2, -2, 3, -3, 4])
        same(*both(fn, ia, ib))


def test_float_division_by_zero_gives_inf_and_nan_silently():
    a, b = [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]
    for fn in (
        lambda T, x, y: x // y,
        lambda T, x, y: T.div(x, y, rounding_mode="trunc"),
        lambda T, x, y: T.fmod(x, y),
        lambda T, x, y: x % y,
    ):
        same(*both(fn, a, b))


def test_floor_divide_gradient_is_zero():
    """PyTorch records ``//`` but has no derivative for it; chainrule uses the zero gradient
    of ``div(rounding_mode='floor')``, which PyTorch does differentiate."""
    x = chainrule.tensor([1.5, -2.5], requires_grad=True)
    (x // 0.7).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert_grads_match(lambda T, a: T.div(a, 0.7, rounding_mode="floor"), [1.5, -2.5])


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_matches_torch(decimals, dtype):
    x = np.array([0.125, 0.375, -0.125, 2.5, 3.5, -2.5, 12345.5, 25.0, 35.0, 150.0, 250.0, 0.0])
    x = np.concatenate([x, np.random.default_rng(0).standard_normal(50) * 100]).astype(dtype)
    same(*both(lambda T, a: T.round(a, decimals=decimals), x), rtol=0, atol=0)


def test_rounding_special_values():
    x = [2.5, -0.5, float("inf"), -float("inf"), float("nan"), -0.0, 1e300]
    for name in ["floor", "ceil", "trunc", "round", "frac", "sign", "abs"]:
        same(*both(lambda T, a, name=name: getattr(T, name)(a), x))
    same(*both(lambda T, a: T.round(a, decimals=3), x))


def test_sign_of_nan_is_zero_and_abs_gradient_there_is_zero():
    assert_grads_match(lambda T, a: T.abs(a) + T.sign(a), [float("nan"), 0.0, -2.0, 3.0])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_to_num_defaults_per_dtype(dtype):
    x = np.array([float("nan"), float("inf"), -float("inf"), 1.5], dtype=dtype)
    same(*both(lambda T, a: T.nan_to_num(a), x))
    same(*both(lambda T, a: a.nan_to_num(nan=1.0, posinf=2.0), x))
    same(*both(lambda T, a: T.nan_to_num(a, neginf=-3.0), x))


def test_nan_to_num_gradient_is_zero_where_replaced():
    with np.errstate(divide="ignore"):  # log(0) = -inf on purpose
        assert_grads_match(
            lambda T, a: T.nan_to_num(T.log(a)), [0.0, 1.0, 2.0, float("inf"), float("nan")]
        )
