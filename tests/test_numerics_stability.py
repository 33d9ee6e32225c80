"""Numerical stability against PyTorch: the log-sum-exp family, sigmoid, the logit losses,
softplus, logaddexp and the norms at magnitude 1e4 and at the limits of the dtype, and the
elementwise edge cases NumPy warns about (x / 0, log(0), sqrt(-1), exp overflow, ...).

Each case runs forward and backward (with an explicit upstream gradient, so no extra
reduction is involved) in chainrule and in PyTorch, and requires the same values and
gradients (inf and nan included: PyTorch neither rescales norms nor guards overflow) and
that chainrule lets no warning of any kind escape, under NumPy's default error settings.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["float32", "float64"]
NUMPY_DEFAULTS = dict(divide="warn", over="warn", under="ignore", invalid="warn")


def _upstream(shape, dtype):
    """A fixed upstream gradient of mixed magnitude and sign (never 0)."""
    n = int(np.prod(shape))
    g = np.array([0.5, -1.25, 2.0, 0.75, -0.3][: max(n, 1)] * (n // 5 + 1))[:n]
    return g.reshape(shape).astype(dtype)


def _run(lib, fn, arrays, extra):
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    y = fn(lib, *xs, *[lib.tensor(e.copy()) for e in extra])
    g = _upstream(tuple(y.shape), arrays[0].dtype)
    y.backward(lib.tensor(g))
    return y.detach().numpy(), [x.grad.numpy() for x in xs]


def check(fn, arrays, extra=(), *, finite=False, rtol=None, atol=None):
    """Compare ``fn`` (forward values and input gradients) in chainrule and PyTorch."""
    dtype = arrays[0].dtype
    rtol = rtol if rtol is not None else (2e-5 if dtype == np.float32 else 1e-11)
    atol = atol if atol is not None else (2e-6 if dtype == np.float32 else 1e-12)
    expected = _run(torch, fn, arrays, extra)
    with warnings.catch_warnings(record=True) as caught, np.errstate(**NUMPY_DEFAULTS):
        warnings.simplefilter("always")
        got = _run(chainrule, fn, arrays, extra)
    assert [str(w.message) for w in caught] == []
    for name, g, e in [("value", got[0], expected[0])] + [
        (f"grad {i}", a, b) for i, (a, b) in enumerate(zip(got[1], expected[1]))
    ]:
        assert g.dtype == e.dtype, name
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
        if finite:
            assert np.isfinite(g).all(), f"{name} is not finite: {g}"


def large(dtype, shape=(3, 4)):
    """Magnitudes up to 1e4, with ties at the max and a whole slice far from 0."""
    rows = [
        [1e4, -1e4, 0.0, 5e3],
        [-1e4, -1e4, -1e4, -1e4],
        [1e4, 1e4 - 1, 1e4 - 2, -5e3],
    ]
    return np.array(rows, dtype=dtype).reshape(shape)


def limits(dtype):
    """float32's limits (+-3e38, the smallest subnormal) and the dtype's own."""
    big = np.finfo(dtype).max * 0.9
    tiny = np.finfo(dtype).smallest_subnormal
    rows = [
        [3e38, -3e38, 0.0, 1.0],
        [3e38, 3e38, 3e38, 3e38],
        [-3e38, -3e38, -3e38, 1e-45],
        [big, -big, tiny, -tiny],
    ]
    return np.array(rows, dtype=dtype)


def vector(dtype, scale):
    """A 1-D input around 0 and the exp thresholds, scaled to 1e4 or to the limits."""
    if scale == "large":
        values = [1e4, -1e4, 0.0, 88.0, -88.0, 104.0, -104.0, 710.0, -710.0, 20.5]
    else:
        big = np.finfo(dtype).max * 0.9
        values = [3e38, -3e38, big, -big, 1e-45, -1e-45, 0.0, 20.0]
    return np.array(values, dtype=dtype)


SCALES = ["large", "limits"]


def _matrix(dtype, scale):
    return large(dtype) if scale == "large" else limits(dtype)


# ---------------------------------------------------------------- the log-sum-exp family
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dim", [-1, 0])
def test_softmax_family(dtype, scale, dim):
    x = _matrix(dtype, scale)
    fin = scale == "large"
    check(lambda T, a: T.softmax(a, dim), [x], finite=fin)
    check(lambda T, a: T.log_softmax(a, dim), [x], finite=fin)
    check(lambda T, a: T.nn.functional.log_softmax(a, dim=dim), [x], finite=fin)
    check(lambda T, a: T.logsumexp(a, dim), [x], finite=fin)
    check(lambda T, a: T.logsumexp(a, (0, 1), keepdim=True), [x], finite=fin)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
def test_cross_entropy(dtype, scale):
    x = _matrix(dtype, scale)
    target = np.array([1, 0, 3, 2][: x.shape[0]], dtype=np.int64)
    F = "nn.functional"
    fin = scale == "large"

    def ce(**kw):
        return lambda T, a, t: _get(T, F).cross_entropy(a, t, **kw)

    check(ce(reduction="none"), [x], [target], finite=fin)
    if fin:  # at the limits: test_label_smoothing_at_the_limits
        check(ce(reduction="none", label_smoothing=0.1), [x], [target], finite=True)
    probs = np.full(x.shape, 1.0 / x.shape[1], dtype=dtype)
    check(ce(reduction="none"), [x], [probs], finite=fin)
    if fin:  # a mean over losses of 1e4 (at the limits the sum itself overflows)
        check(ce(), [x], [target], finite=True)
        check(ce(label_smoothing=0.2), [x], [target], finite=True)


def _get(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


# ---------------------------------------------------------------- sigmoid and its relatives
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
def test_sigmoid_softplus_logsigmoid(dtype, scale):
    x = vector(dtype, scale)
    fin = scale == "large"
    check(lambda T, a: T.sigmoid(a), [x], finite=fin)
    check(lambda T, a: a.sigmoid(), [x], finite=fin)
    check(lambda T, a: T.nn.functional.softplus(a), [x], finite=fin)
    check(lambda T, a: T.nn.functional.softplus(a, beta=2.0, threshold=10.0), [x], finite=fin)
    check(lambda T, a: T.nn.functional.logsigmoid(a), [x], finite=fin)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
def test_bce_with_logits(dtype, scale):
    x = vector(dtype, scale)
    t = np.resize(np.array([0.0, 1.0, 0.25], dtype=dtype), x.shape)
    pos = np.full(x.shape, 3.0, dtype=dtype)
    fin = scale == "large"
    bce = "binary_cross_entropy_with_logits"

    def f(**kw):
        return lambda T, a, tt, *rest: getattr(T.nn.functional, bce)(a, tt, **kw)

    check(f(reduction="none"), [x], [t], finite=fin)
    check(
        lambda T, a, tt, p: getattr(T.nn.functional, bce)(a, tt, reduction="none", pos_weight=p),
        [x],
        [t, pos],
        finite=fin,
    )
    if fin:
        check(f(), [x], [t], finite=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
def test_logaddexp(dtype, scale):
    a = vector(dtype, scale)
    b = np.roll(a, 3)
    fin = scale == "large"
    check(lambda T, x, y: T.logaddexp(x, y), [a, b], finite=fin)
    check(lambda T, x, y: T.logaddexp(x, y), [a, a.copy()], finite=fin)


# ---------------------------------------------------------------- norms
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", SCALES)
def test_norms(dtype, scale):
    """PyTorch does not rescale: the 2-norm of float32 values near 3e38 is inf (and its
    gradient 0 or nan), that of values near 1e-30 underflows to 0; chainrule matches."""
    x = _matrix(dtype, scale)
    fin = scale == "large"
    for dim in (None, -1, 0):
        check(lambda T, a, d=dim: T.linalg.vector_norm(a, 2, d), [x], finite=fin)
        check(lambda T, a, d=dim: T.linalg.vector_norm(a, float("inf"), d), [x], finite=fin)
    check(lambda T, a: T.linalg.matrix_norm(a), [x], finite=fin)
    check(lambda T, a: T.linalg.norm(a), [x], finite=fin)
    check(lambda T, a: T.norm(a, "fro", dim=(0, 1)), [x], finite=fin)
    check(lambda T, a: a.norm(dim=1), [x], finite=fin)
    small = np.array([[1e-30, 1e-30], [1e-20, -3e-20]], dtype=dtype)
    check(lambda T, a: T.linalg.vector_norm(a, 2, -1), [small])


# ---------------------------------------------------------------- elementwise edge cases
INF = float("inf")
EDGES = {
    "div": (
        lambda T, a, b: a / b,
        [[0.0, 1.0, -1.0, 0.0, 1e30, 2.0], [0.0, 0.0, 0.0, 1.0, 1e-30, -0.0]],
    ),
    "rdiv": (lambda T, a: 1.0 / a, [[0.0, -0.0, 2.0]]),
    "log": (lambda T, a: T.log(a), [[0.0, -1.0, 2.0, INF]]),
    "log2": (lambda T, a: T.log2(a), [[0.0, -1.0, 2.0]]),
    "log10": (lambda T, a: T.log10(a), [[0.0, -1.0, 2.0]]),
    "log1p": (lambda T, a: T.log1p(a), [[-1.0, -2.0, 0.5]]),
    "sqrt": (lambda T, a: T.sqrt(a), [[-1.0, 0.0, 4.0]]),
    "rsqrt": (lambda T, a: T.rsqrt(a), [[-1.0, 0.0, 4.0]]),
    "exp": (lambda T, a: T.exp(a), [[1e4, -1e4, 0.0, 89.0, 710.0]]),
    "exp2": (lambda T, a: T.exp2(a), [[1e4, -1e4, 0.0]]),
    "expm1": (lambda T, a: T.expm1(a), [[1e4, -1e4, 0.0]]),
    "pow20": (lambda T, a: a**20, [[1e30, 0.0, -2.0, 1e16]]),
    "pow-1": (lambda T, a: a**-1, [[0.0, 2.0, -0.0]]),
    "pow0.5": (lambda T, a: a**0.5, [[-2.0, 0.0, 4.0]]),
    "pow_t": (lambda T, a, b: a**b, [[1e30, 0.0, -2.0, 0.0, 2.0], [20.0, -1.0, 0.5, 2.0, 1e4]]),
    "reciprocal": (lambda T, a: T.reciprocal(a), [[0.0, -0.0, 2.0]]),
    "square": (lambda T, a: T.square(a), [[1e20, -1e20, 3.0]]),
    "sin": (lambda T, a: T.sin(a), [[INF, -INF, 1.0]]),
    "cos": (lambda T, a: T.cos(a), [[INF, -INF, 1.0]]),
    "tan": (lambda T, a: T.tan(a), [[INF, 1.0]]),
    "sinh": (lambda T, a: T.sinh(a), [[1e4, -1e4, 1.0]]),
    "cosh": (lambda T, a: T.cosh(a), [[1e4, -1e4, 1.0]]),
    "asin": (lambda T, a: T.asin(a), [[2.0, -2.0, 1.0, 0.5]]),
    "acos": (lambda T, a: T.acos(a), [[2.0, -2.0, 1.0, 0.5]]),
    "atan": (lambda T, a: T.atan(a), [[1e20, -3e38, 1.0]]),
    "atan2": (lambda T, a, b: T.atan2(a, b), [[1e20, 0.0, 3e38], [1e20, 0.0, 1.0]]),
    "erf": (lambda T, a: T.erf(a), [[1e20, -1e20, 0.5]]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(EDGES))
def test_elementwise_edges_are_silent_and_match_torch(name, dtype):
    fn, inputs = EDGES[name]
    with np.errstate(over="ignore"):  # 3e38 and 1e30 ** 20 are built, not computed
        arrays = [np.array(v, dtype=dtype) for v in inputs]
    check(fn, arrays, rtol=1e-5 if dtype == "float32" else 1e-10)


def test_create_graph_backward_is_silent_too():
    """Second derivatives run the backward formulas on Tensors: no warning there either."""
    values = [0.0, -1.0, 4.0]
    x = chainrule.tensor(values, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught, np.errstate(**NUMPY_DEFAULTS):
        warnings.simplefilter("always")
        (g,) = chainrule.autograd.grad(chainrule.log(x).sum(), x, create_graph=True)
        (gg,) = chainrule.autograd.grad(g.sum(), x)
    assert [str(w.message) for w in caught] == []
    xt = torch.tensor(values, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.log(xt).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), equal_nan=True)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), equal_nan=True)


def test_label_smoothing_at_the_limits():
    """Regression: Sum's forward warned when a sum of finite values overflowed to inf."""
    x = limits("float32")
    target = np.array([1, 0, 3, 2], dtype=np.int64)
    check(
        lambda T, a, t: T.nn.functional.cross_entropy(a, t, reduction="none", label_smoothing=0.1),
        [x],
        [target],
    )


def test_numpy_error_state_is_restored():
    """The ops silence NumPy only while they compute: the caller's settings come back, even
    when the computation raises."""
    from chainrule.ops.exponential import quiet

    before = np.geterr()
    with np.errstate(all="raise"):
        y = chainrule.tensor([1.0, 0.0]) / chainrule.tensor([0.0, 0.0])  # as PyTorch: silent
        np.testing.assert_array_equal(y.numpy(), [np.inf, np.nan])
        with pytest.raises(FloatingPointError):
            np.array([1.0]) / np.array([0.0])
        with pytest.raises(ValueError), quiet():
            raise ValueError
        assert np.geterr()["divide"] == "raise"
    assert np.geterr() == before


def test_add_sub_mul_overflow_is_silent_for_the_user():
    """+ - * that overflow (or give inf - inf) return inf/nan as PyTorch does, and print no
    NumPy warning. Run in a fresh interpreter: pytest's own "error" filter for
    RuntimeWarning (pyproject.toml) would otherwise take precedence over chainrule's."""
    import subprocess
    import sys

    code = (
        "import chainrule as c\n"
        "x = c.tensor([3e38], requires_grad=True)\n"
        "y = x * 10; z = x + x; w = x - (-x); v = y - y\n"
        "print(y.item(), z.item(), w.item(), v.item())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["inf", "inf", "inf", "nan"]
    assert result.stderr == ""  # no RuntimeWarning reached the user
