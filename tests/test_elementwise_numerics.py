"""Numerical care in the elementwise ops, against PyTorch: gradients at ties and bounds,
NaN and inf (where, relu, sign, logaddexp), stability at magnitude 1e4, erf's accuracy, and
silent overflow (no NumPy warnings: pytest turns them into errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from elementwise_pairs import assert_grads_match, both, grads
from torchpair import same


# ---------------------------------------------------------------- ties and boundaries
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_split_ties_half_and_half(name):
    a = [1.0, 2.0, 3.0, float("nan"), 1.0, float("nan")]
    b = [1.0, 1.0, 4.0, 1.0, float("nan"), float("nan")]
    assert_grads_match(lambda T, x, y: getattr(T, name)(x, y), a, b)
    assert_grads_match(lambda T, x: getattr(T, name)(x, x), a)
    assert_grads_match(lambda T, x, y: getattr(T, name)(x, y), [[1.0], [2.0]], [2.0, 1.0, 2.0])


def test_clamp_passes_the_gradient_at_scalar_bounds():
    x = [-1.0, 0.0, 0.5, 1.0, 2.0, float("nan")]
    for lo, hi in [(0.0, 1.0), (1.0, 0.0), (0.5, 0.5), (None, 0.5), (0.5, None)]:
        assert_grads_match(lambda T, a, lo=lo, hi=hi: T.clamp(a, lo, hi), x)


def test_clamp_tensor_bounds_gradient_rules():
    x = [-1.0, 0.0, 0.5, 1.0, 2.0]
    for lo, hi in [(0.0, 1.0), (1.0, 0.0), (0.5, 0.5)]:
        assert_grads_match(lambda T, a, low, high: T.clamp(a, low, high), x, [lo] * 5, [hi] * 5)
        assert_grads_match(lambda T, a, low: T.clamp(a, min=low), x, [lo] * 5)
        assert_grads_match(lambda T, a, high: a.clamp(max=high), x, [hi] * 5)


def test_clamp_mixed_bounds_and_min_above_max():
    x = np.array([-2.0, 0.2, 3.0], dtype="float32")
    same(*both(lambda T, a: T.clamp(a, min=1, max=T.tensor(0.0)), x))
    same(*both(lambda T, a: T.clamp(a, 0.5, 0), x))
    same(*both(lambda T, a: T.clamp(a, min=T.tensor([0.0, 1.0, 2.0])), x))


def test_relu_at_nan_and_zero():
    assert_grads_match(lambda T, a: T.relu(a), [float("nan"), 0.0, -1.0, 2.0])


def test_atan2_gradient_at_the_origin_is_zero():
    assert_grads_match(lambda T, a, b: T.atan2(a, b), [0.0, 0.0, 1.0], [0.0, 1.0, 0.0])


def test_lerp_is_exact_at_the_ends():
    """PyTorch's two-sided formula gives ``end`` exactly at weight 1 (the one-sided
    ``a + w * (b - a)`` would not: 1e8 + (3 - 1e8) rounds)."""
    a, b = [1e8, 0.1, -3.0], [3.0, 0.7, 1e-9]
    for w in (0.0, 1.0, 0.5, 0.49):
        exact = dict(rtol=0, atol=0) if w in (0.0, 1.0) else dict(rtol=1e-15, atol=0)
        same(*both(lambda T, x, y, w=w: T.lerp(x, y, w), a, b), **exact)
        same(*both(lambda T, x, y, w=w: T.lerp(x, y, T.tensor(w)), a, b), **exact)
    f64 = chainrule.float64
    assert (
        chainrule.lerp(chainrule.tensor(a, dtype=f64), chainrule.tensor(b, dtype=f64), 1.0).tolist()
        == b
    )


# ---------------------------------------------------------------- where and NaN
def test_where_does_not_leak_nan_from_the_untaken_branch_value():
    """The untaken branch's value may be inf or NaN: its input still gets an exact 0."""
    x = [0.0, 2.0, -1.0]
    with np.errstate(divide="ignore", invalid="ignore"):  # b / 0: inf and NaN on purpose
        assert_grads_match(lambda T, a, b: T.where(a > 0, a, b / 0.0), x, [1.0, 0.0, -1.0])
    (_, (gc,)), _ = grads(lambda T, a: T.where(a > 0, a, T.tensor(float("nan"))), x)
    assert np.isfinite(gc.detach().numpy()).all()


def test_where_leaks_nan_through_the_untaken_branch_backward_like_torch():
    """sqrt's own backward at x = -1 is 0 / (2 * NaN): PyTorch's NaN, reproduced."""
    x = [-1.0, 0.0, 4.0]
    fn = lambda T, a: T.where(a > 0, T.sqrt(a), T.tensor(0.0, dtype=a.dtype))  # noqa: E731
    with np.errstate(invalid="ignore"):  # sqrt(-1) is NaN on purpose
        (_, (gc,)), (_, (gt,)) = grads(fn, x)
    same(gc, gt)
    assert np.isnan(gc.detach().numpy()[0])
    # the documented remedy: make the untaken branch safe
    safe = lambda T, a: T.where(a > 0, T.sqrt(T.where(a > 0, a, 1.0)), 0.0)  # noqa: E731
    (_, (gc,)), (_, (gt,)) = grads(safe, x)
    same(gc, gt)
    assert np.isfinite(gc.detach().numpy()).all()


def test_where_single_argument_is_nonzero():
    for values in ([[True, False], [False, True]], [0.0, 1.5, 0.0, -2.0], 3):
        cs, ts = both(lambda T, c: T.where(c), values)
        assert len(cs) == len(ts)
        for c, t in zip(cs, ts):
            same(c, t)


def test_where_with_two_numbers():
    cond = [True, False, True]
    for x, y in [(1, 2), (1.0, 2), (True, False), (2.5, -1.5)]:
        same(*both(lambda T, c, x=x, y=y: T.where(c, x, y), cond))


# ---------------------------------------------------------------- numerical care at 1e4
BIG = [1e4, -1e4, 0.0, 50.0, -50.0, 100.0, -100.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "fn",
    [
        lambda T, a: T.sigmoid(a),
        lambda T, a: a.sigmoid(),
        lambda T, a: T.tanh(a),
        lambda T, a: T.logaddexp(a, a * -0.5),
        lambda T, a: T.logaddexp(a, a),
        lambda T, a: T.logaddexp(a, -a),
        lambda T, a: T.logaddexp(a, T.tensor(0.0, dtype=a.dtype)),
    ],
    ids=["sigmoid", "sigmoid_method", "tanh", "logaddexp_half", "logaddexp_same", "logaddexp_neg",
         "logaddexp_zero"],
)  # fmt: skip
def test_stable_and_finite_at_magnitude_1e4(fn, dtype):
    """Finite values and gradients that match PyTorch, and no NumPy warning (pytest turns
    RuntimeWarnings into errors)."""
    (yc, gc), (yt, gt) = grads(fn, BIG, dtype=dtype)
    assert np.isfinite(yc.detach().numpy()).all() and np.isfinite(gc[0].numpy()).all()
    same(yc, yt, rtol=1e-6)
    same(gc[0], gt[0], rtol=1e-6, atol=1e-7)


def test_logaddexp_at_infinities():
    inf = float("inf")
    a, b = [inf, -inf, 3.0, -inf, inf], [3.0, 2.0, inf, -inf, inf]
    (yc, gc), (yt, gt) = grads(lambda T, x, y: T.logaddexp(x, y), a, b)
    same(yc, yt)
    for c, t in zip(gc, gt):
        same(c, t)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erf_matches_torch_over_its_range(dtype):
    x = np.concatenate(
        [np.linspace(-7, 7, 2001), [0.0, -0.0, 1e-300, 1e-8, 30.0, np.inf, -np.inf, np.nan]]
    ).astype(dtype)
    same(*both(lambda T, a: T.erf(a), x), rtol=1e-6 if dtype == "float32" else 1e-14, atol=0)
    for v in (0.5, -1e-3, 2.5, 4.0):
        got = chainrule.erf(chainrule.tensor(v, dtype=chainrule.float64)).item()
        assert math.isclose(got, math.erf(v), rel_tol=1e-15)


def test_overflowing_unary_ops_give_inf_silently():
    x = [1e4, -1e4, 800.0]
    for name in ["exp2", "expm1", "sinh", "cosh"]:
        same(*both(lambda T, a, name=name: getattr(T, name)(a), x))
    same(*both(lambda T, a: T.reciprocal(a), [0.0, -0.0, 2.0]))
    same(*both(lambda T, a: T.rsqrt(a), [0.0, -1.0, 4.0]))
    same(*both(lambda T, a: T.log1p(a), [-1.0, -2.0, 1.0]))
    same(*both(lambda T, a: T.log2(a), [0.0, -1.0, 8.0]))
    same(*both(lambda T, a: T.asin(a), [1.5, -1.0, 0.5]))


def test_add_and_sub_alpha_with_numbers():
    x = np.array([1.0, -2.0], dtype="float32")
    same(*both(lambda T, a: T.add(a, 2, alpha=1.5), x))
    same(*both(lambda T, a: T.sub(a, 1, alpha=2), x))
    same(*both(lambda T, a: a.sub(a, alpha=0.25), x))
    same(*both(lambda T, a: T.add(a, a.int(), alpha=3), x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_square_root_power_gradient_is_torchs_sqrt_formula(dtype):
    """x ** 0.5: PyTorch differentiates it as g / (2 sqrt(x)), so -0.0 gives -inf and -inf
    gives NaN (the general p * x ** (p - 1) would give +inf and 0 there)."""
    import torch

    x0 = np.array([0.0, -0.0, -np.inf, np.inf, np.nan, -1.0, 1e-30, 0.5, 7.3], dtype=dtype)
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(x0, requires_grad=True)
        (x**0.5).sum().backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6, atol=0, equal_nan=True)
    assert np.signbit(results[0][1]) and np.isinf(results[0][1])  # -inf at -0.0
