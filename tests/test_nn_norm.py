"""BatchNorm, LayerNorm, GroupNorm and F.normalize against PyTorch: values, gradients,
running statistics over several training steps, evaluation mode, errors, init, reprs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import chainrule
import chainrule.nn as cnn
import chainrule.nn.functional as CF
from chainrule.autograd import gradcheck, gradgradcheck
from nnpair import assert_close, check_module


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)


def _inputs(shape, dtype, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal(shape) * 2 + rng.uniform(-1, 1)).astype(dtype) for _ in range(steps)
    ]


def _pair(cls, *args, dtype=np.float32, **kwargs):
    c_mod, t_mod = getattr(cnn, cls)(*args, **kwargs), getattr(tnn, cls)(*args, **kwargs)
    if dtype == np.float64:
        c_mod.double()
        t_mod.double()
    return c_mod, t_mod


# ---------------------------------------------------------------- BatchNorm
BN_CASES = [
    ("BatchNorm1d", (4, 3)),
    ("BatchNorm1d", (5, 3, 6)),
    ("BatchNorm2d", (4, 3, 5, 2)),
    ("BatchNorm3d", (2, 3, 2, 3, 2)),
]
BN_OPTIONS = [
    {},
    {"momentum": None},
    {"momentum": 0.3, "eps": 1e-3},
    {"affine": False},
    {"bias": False},
    {"track_running_stats": False},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", BN_OPTIONS, ids=str)
@pytest.mark.parametrize("case", BN_CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_batchnorm_train_steps_then_eval(case, options, dtype):
    cls, shape = case
    c_mod, t_mod = _pair(cls, shape[1], dtype=dtype, **options)
    with torch.no_grad():  # non-trivial affine parameters and running statistics
        for p in t_mod.parameters():
            p.uniform_(0.5, 1.5)
    xs = _inputs(shape, dtype, 4)
    # check_module compares outputs, input and parameter gradients, and every buffer
    # (running_mean, running_var, num_batches_tracked) after each step.
    for i, x in enumerate(xs[:3]):
        check_module(c_mod, t_mod, x, copy=(i == 0), **_tol(dtype))
    check_module(c_mod, t_mod, xs[3], train=False, copy=False, **_tol(dtype))
    if t_mod.track_running_stats:
        assert int(c_mod.num_batches_tracked.item()) == 3


def test_batchnorm_cumulative_average_with_momentum_none():
    c_mod = cnn.BatchNorm1d(2, momentum=None).double()
    xs = _inputs((6, 2), np.float64, 3, seed=4)
    for x in xs:
        c_mod(chainrule.tensor(x))
    # momentum=None: the running mean is the plain average of the batch means
    expected = np.mean([x.mean(0) for x in xs], axis=0)
    np.testing.assert_allclose(c_mod.running_mean.numpy(), expected, rtol=1e-12)
    expected_var = np.mean([x.var(0, ddof=1) for x in xs], axis=0)  # unbiased
    np.testing.assert_allclose(c_mod.running_var.numpy(), expected_var, rtol=1e-12)


def test_batchnorm_state_dict_init_and_dtypes():
    c_mod, t_mod = cnn.BatchNorm2d(5), tnn.BatchNorm2d(5)
    assert list(c_mod.state_dict()) == list(t_mod.state_dict())
    assert [n for n, _ in c_mod.named_buffers()] == [n for n, _ in t_mod.named_buffers()]
    for key, tv in t_mod.state_dict().items():
        assert_close(c_mod.state_dict()[key], tv, what=key)  # ones, zeros, int64 zero
    assert c_mod.num_batches_tracked.dtype == chainrule.int64
    c_mod.double()
    assert c_mod.running_mean.dtype == chainrule.float64
    assert c_mod.num_batches_tracked.dtype == chainrule.int64
    off = cnn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(off.state_dict()) == [] and off.running_mean is None and off.weight is None


def test_batchnorm_reset_running_stats():
    c_mod = cnn.BatchNorm1d(3)
    c_mod(chainrule.randn(4, 3) * 3 + 1)
    c_mod.reset_running_stats()
    np.testing.assert_array_equal(c_mod.running_mean.numpy(), 0)
    np.testing.assert_array_equal(c_mod.running_var.numpy(), 1)
    assert c_mod.num_batches_tracked.item() == 0


def test_functional_batch_norm_updates_given_buffers():
    x = _inputs((6, 3, 4), np.float32, 1)[0]
    rng = np.random.default_rng(2)
    stats = [rng.standard_normal(3).astype(np.float32), rng.uniform(1, 2, 3).astype(np.float32)]
    w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    c_stats = [chainrule.tensor(s) for s in stats]
    t_stats = [torch.tensor(s) for s in stats]
    cx, tx = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cy = CF.batch_norm(cx, *c_stats, chainrule.tensor(w), chainrule.tensor(b), True, 0.2, 1e-3)
    ty = TF.batch_norm(tx, *t_stats, torch.tensor(w), torch.tensor(b), True, 0.2, 1e-3)
    assert_close(cy, ty, atol=1e-5)
    for c, t in zip(c_stats, t_stats):
        assert_close(c, t)
    # evaluation with the updated buffers
    assert_close(CF.batch_norm(cx, *c_stats), TF.batch_norm(tx, *t_stats), atol=1e-5)
    # training without buffers
    assert_close(
        CF.batch_norm(cx, None, None, training=True),
        TF.batch_norm(tx, None, None, training=True),
        atol=1e-5,
    )


def test_batchnorm_errors_like_torch():
    msg = r"Expected more than 1 value per channel when training, got input size .*\[1, 3\]"
    for mod in (tnn.BatchNorm1d(3), cnn.BatchNorm1d(3)):
        lib = torch if isinstance(mod, tnn.Module) else chainrule
        with pytest.raises(ValueError, match=msg):
            mod(lib.randn(1, 3))
        with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
            mod(lib.randn(2, 3, 4, 5))
        mod.eval()
        mod(lib.randn(1, 3))  # one sample is fine in evaluation
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        cnn.BatchNorm2d(3)(chainrule.randn(2, 3, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        cnn.BatchNorm2d(3)(chainrule.randn(1, 3, 1, 1))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        CF.batch_norm(chainrule.randn(2, 4), chainrule.zeros(3), chainrule.ones(3))
    with pytest.raises(RuntimeError, match="weight should contain 4 elements not 3"):
        CF.batch_norm(chainrule.randn(2, 4), None, None, chainrule.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        CF.batch_norm(chainrule.randn(2, 4), None, None)
    with pytest.raises(RuntimeError, match="mixed dtype"):  # PyTorch refuses it too
        tnn.BatchNorm1d(2)(torch.randn(4, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="mixed dtype"):
        cnn.BatchNorm1d(2)(chainrule.randn(4, 2, dtype=chainrule.float64))


# ---------------------------------------------------------------- LayerNorm / GroupNorm
LN_CASES = [
    ((4,), {}, (2, 3, 4)),
    (4, {"elementwise_affine": False}, (5, 4)),
    ((3, 4), {}, (2, 3, 4)),
    ((3, 4), {"bias": False, "eps": 1e-3}, (2, 2, 3, 4)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", LN_CASES, ids=str)
def test_layernorm_parity(case, dtype):
    ns, options, shape = case
    c_mod, t_mod = _pair("LayerNorm", ns, dtype=dtype, **options)
    with torch.no_grad():
        for p in t_mod.parameters():
            p.normal_()
    for train in (True, False):
        check_module(c_mod, t_mod, _inputs(shape, dtype, 1)[0], train=train, **_tol(dtype))


GN_CASES = [
    ((3, 6), {}, (2, 6, 5)),
    ((2, 4), {}, (3, 4)),
    ((1, 4), {"eps": 1e-3}, (2, 4, 3, 3)),
    ((4, 4), {"affine": False}, (2, 4, 2, 3)),
    ((2, 4), {"bias": False}, (2, 4, 3)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", GN_CASES, ids=str)
def test_groupnorm_parity(case, dtype):
    args, options, shape = case
    c_mod, t_mod = _pair("GroupNorm", *args, dtype=dtype, **options)
    with torch.no_grad():
        for p in t_mod.parameters():
            p.normal_()
    check_module(c_mod, t_mod, _inputs(shape, dtype, 1)[0], **_tol(dtype))


def test_norm_init_reprs_and_keys():
    specs = [
        ("LayerNorm", (4,), {}),
        ("LayerNorm", ((2, 3),), {"elementwise_affine": False}),
        ("LayerNorm", (4,), {"bias": False}),
        ("GroupNorm", (2, 4), {}),
        ("GroupNorm", (2, 4), {"affine": False, "eps": 1e-3}),
        ("BatchNorm1d", (3,), {}),
        ("BatchNorm2d", (3,), {"momentum": None, "affine": False, "track_running_stats": False}),
        ("BatchNorm3d", (3,), {"bias": False}),
    ]
    for name, args, kwargs in specs:
        c_mod = getattr(cnn, name)(*args, **kwargs)
        t_mod = getattr(tnn, name)(*args, **kwargs)
        assert repr(c_mod) == repr(t_mod)
        assert list(c_mod.state_dict()) == list(t_mod.state_dict())
        for key, tv in t_mod.state_dict().items():
            assert_close(c_mod.state_dict()[key], tv, what=f"{name} {key}")


def test_layer_and_group_norm_errors():
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*size\[2, 3\]"):
        CF.layer_norm(chainrule.randn(2, 3), [4])
    with pytest.raises(RuntimeError, match="weight of shape"):
        CF.layer_norm(chainrule.randn(2, 3), (3,), weight=chainrule.ones(4))
    with pytest.raises(ValueError, match="divisible"):
        cnn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        CF.group_norm(chainrule.randn(2, 6, 4), 4)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        CF.group_norm(chainrule.randn(6), 2)
    with pytest.raises(RuntimeError, match="number of channels"):
        cnn.GroupNorm(2, 6)(chainrule.randn(2, 4, 3))


# ---------------------------------------------------------------- gradcheck
def _f64(shape, seed):
    values = np.random.default_rng(seed).standard_normal(shape)
    return chainrule.tensor(values, requires_grad=True)


def test_norms_gradcheck_and_gradgradcheck():
    x, w, b = _f64((4, 3, 2), 0), _f64((3,), 1), _f64((3,), 2)
    bn = lambda x, w, b: CF.batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    assert gradcheck(bn, (x, w, b))
    assert gradgradcheck(bn, (x, w, b))
    lw, lb = _f64((3, 2), 3), _f64((3, 2), 4)
    ln = lambda x, w, b: CF.layer_norm(x, (3, 2), w, b)  # noqa: E731
    assert gradcheck(ln, (x, lw, lb))
    assert gradgradcheck(ln, (x, lw, lb))
    gx = _f64((2, 4, 3), 5)
    gw, gb = _f64((4,), 6), _f64((4,), 7)
    gn = lambda x, w, b: CF.group_norm(x, 2, w, b)  # noqa: E731
    assert gradcheck(gn, (gx, gw, gb))


# ---------------------------------------------------------------- normalize
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1), (float("inf"), 1)])
def test_normalize_parity(p, dim):
    x = np.random.default_rng(8).standard_normal((3, 4))
    x[1] = 0.0  # a zero row: divided by eps, finite gradient
    x[:, 2] = 0.0
    cx, tx = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cy, ty = CF.normalize(cx, p, dim), TF.normalize(tx, p, dim)
    assert_close(cy, ty, rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(9).standard_normal(x.shape)
    cy.backward(chainrule.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(cx.grad, tx.grad, rtol=1e-9, atol=1e-9)


def test_empty_batches_and_shape_errors():
    for name, args, shape in [
        ("BatchNorm1d", (3,), (0, 3)),
        ("GroupNorm", (2, 4), (0, 4, 3)),
        ("LayerNorm", (4,), (0, 4)),
    ]:
        c_out = getattr(cnn, name)(*args)(chainrule.zeros(*shape))
        t_out = getattr(tnn, name)(*args)(torch.zeros(*shape))
        assert tuple(c_out.shape) == tuple(t_out.shape)
    for lib_f, lib in ((TF, torch), (CF, chainrule)):
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib_f.batch_norm(lib.randn(4), None, None, training=True)
        with pytest.raises(RuntimeError, match="at least 1-dimensional"):
            lib_f.layer_norm(lib.randn(3), [])
