"""Loss functions (nn.functional) against PyTorch: regression, binary, KL and margin losses.

Values and gradients (input, and target where PyTorch has one) for float32 and float64,
every reduction and several shapes. Cross-entropy and nll live in test_nn_loss_ce.py, the
modules in test_nn_loss_modules.py, the errors in test_nn_loss_errors.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn.functional as CF
from loss_pair import run_both

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = ["float32", "float64"]
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def randn(shape, dtype, seed=0, scale=1.0):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=dtype)


def rand(shape, dtype, seed=0):
    return np.asarray(np.random.default_rng(seed).random(shape), dtype=dtype)


# ---------------------------------------------------------------- elementwise regression
ELEMENTWISE = [
    ("mse_loss", {}),
    ("l1_loss", {}),
    ("smooth_l1_loss", {}),
    ("smooth_l1_loss", {"beta": 0.3}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {}),
    ("huber_loss", {"delta": 0.4}),
    ("soft_margin_loss", {}),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", ELEMENTWISE)
def test_elementwise_losses(name, kwargs, reduction, dtype, shape):
    x = randn(shape, dtype, seed=1, scale=1.5)
    y = randn(shape, dtype, seed=2)
    if name == "soft_margin_loss":  # PyTorch has no gradient for its target
        y, grad = np.asarray(np.sign(y)), (0,)
    else:
        grad = (0, 1)
    run_both(name, x, y, grad=grad, reduction=reduction, **kwargs)


@pytest.mark.parametrize("name,kwargs", ELEMENTWISE[:6])
def test_gradient_at_the_kinks(name, kwargs):
    # d = input - target hits exactly 0, +-beta/delta (0.3 and 0.4 are not exact in binary,
    # so the kinks are built from the same float: target = x - k).
    k = np.float64(kwargs.get("beta", kwargs.get("delta", 1.0)))
    x = np.array([0.5, 0.5, 0.5, 0.5, 2.0], dtype=np.float64)
    y = np.array([0.5, 0.5 - k, 0.5 + k, 0.5 - 2 * k, 2.0 - k / 2])
    run_both(name, x, y, grad=(0, 1), reduction="sum", **kwargs)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_weight(name, reduction):
    x, y = randn((3, 4), "float64", 1), randn((3, 4), "float64", 2)
    w = rand((3, 4), "float64", 3)
    run_both(name, x, y, grad=(0, 1), reduction=reduction, weight=w)


def test_broadcast_target_warns_and_broadcasts():
    x, y = randn((3, 4), "float32", 1), randn((4,), "float32", 2)
    with pytest.warns(UserWarning, match="Using a target size") as record:
        run_both("mse_loss", x, y, grad=(0, 1))
    assert len(record) == 2  # one from each library
    assert "chainrule.Size([4])" in str(record[0].message)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_integer_target_and_mixed_float_dtypes(name):
    x = randn((3, 4), "float32", 1, scale=3.0)
    # PyTorch's huber backward fails when the dtypes differ: compare its value only.
    grad = () if name == "huber_loss" else (0, 1)
    run_both(name, x, np.arange(12).reshape(3, 4) % 3, grad=grad)
    for a, b in ((x, randn((3, 4), "float64", 2)), (x.astype(np.float64), x)):
        run_both(name, a, b, grad=grad)  # huber keeps the input's dtype, the rest promote


def test_empty_input_mean_is_nan():
    for reduction in REDUCTIONS:
        run_both("mse_loss", np.zeros((0, 3)), np.zeros((0, 3)), reduction=reduction)


def test_legacy_size_average_and_reduce():
    x, y = randn((3, 4), "float32", 1), randn((3, 4), "float32", 2)
    for flags in ({"size_average": False}, {"reduce": False}, {"size_average": True}):
        with pytest.warns(UserWarning, match="size_average and reduce args"):
            run_both("mse_loss", x, y, **flags)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        CF.l1_loss(chainrule.tensor(x), chainrule.tensor(y), size_average=False)


# ---------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
def test_binary_cross_entropy(shape, reduction, dtype):
    x = rand(shape, dtype, 1) * 0.98 + 0.01
    t = rand(shape, dtype, 2)
    run_both("binary_cross_entropy", x, t, grad=(0, 1), reduction=reduction)
    w = rand(shape[-1:], dtype, 3)  # broadcast along the leading dims
    run_both("binary_cross_entropy", x, t, grad=(0, 1), reduction=reduction, weight=w)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_at_the_log_clamp(dtype):
    # x = 0 or 1: log is clamped at -100, the gradient divides by max(x (1 - x), 1e-12)
    # (about 1e12 for a confident wrong answer), and the target gradient is +-inf.
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5, 1 - 1e-7], dtype=dtype)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.0], dtype=dtype)
    c, _ = run_both("binary_cross_entropy", x, t, grad=(0, 1), reduction="none")
    assert c[2].item() == 100.0


def test_binary_cross_entropy_weight_takes_the_input_dtype():
    x, t = rand((3, 4), "float32", 1), rand((3, 4), "float32", 2)
    c, _ = run_both("binary_cross_entropy", x, t, weight=rand((3, 1), "float64", 3))
    assert c.dtype == chainrule.float32


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 4)])
def test_binary_cross_entropy_with_logits(shape, reduction, dtype):
    x = randn(shape, dtype, 1, scale=3.0)
    t = rand(shape, dtype, 2)
    run_both("binary_cross_entropy_with_logits", x, t, grad=(0, 1), reduction=reduction)
    if shape:
        w, pw = rand(shape[-1:], dtype, 3), rand(shape[-1:], dtype, 4) * 3
        run_both(
            "binary_cross_entropy_with_logits",
            x,
            t,
            grad=(0, 1),
            reduction=reduction,
            weight=w,
            pos_weight=pw,
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_with_logits_extreme_logits(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4, 50.0, -50.0, 0.0], dtype=dtype)
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.3, 0.7, 0.5], dtype=dtype)
    pw = np.array(2.5, dtype=dtype)
    for kwargs in ({}, {"pos_weight": pw}):
        c, _ = run_both(
            "binary_cross_entropy_with_logits", x, t, grad=(0, 1), reduction="none", **kwargs
        )
        assert np.isfinite(c.detach().numpy()).all()


def test_binary_cross_entropy_with_logits_dtypes():
    # The loss takes the target's dtype (PyTorch accumulates in place into 1 - target).
    x = randn((3, 4), "float32", 1)
    c, _ = run_both("binary_cross_entropy_with_logits", x, rand((3, 4), "float64", 2))
    assert c.dtype == chainrule.float64
    c, _ = run_both(
        "binary_cross_entropy_with_logits", x.astype(np.float64), rand((3, 4), "float32", 2)
    )
    assert c.dtype == chainrule.float32
    pw = rand((4,), "float64", 3)  # a float64 pos_weight does not promote a float32 loss
    c, _ = run_both(
        "binary_cross_entropy_with_logits", x, rand((3, 4), "float32", 2), pos_weight=pw
    )
    assert c.dtype == chainrule.float32


# ---------------------------------------------------------------- kl_div
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_kl_div(shape, log_target, reduction, dtype):
    x = randn(shape, dtype, 1)
    t = randn(shape, dtype, 2) if log_target else rand(shape, dtype, 2)
    run_both("kl_div", x, t, grad=(0, 1), reduction=reduction, log_target=log_target)


def test_kl_div_zero_target_and_mean_warning():
    # 0 log 0 = 0 in the value; PyTorch's target gradient there is 0/0 = nan.
    x = randn((2, 3), "float64", 1)
    t = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    run_both("kl_div", x, t, grad=(0, 1), reduction="sum")
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        run_both("kl_div", x, t, grad=(0,))  # reduction='mean', the default
    run_both("kl_div", np.array(-1.0), np.array(0.5), reduction="batchmean")


# ---------------------------------------------------------------- margin losses
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
def test_cosine_embedding_loss(margin, reduction, dtype):
    a, b = randn((6, 5), dtype, 1), randn((6, 5), dtype, 2)
    y = np.array([1, -1, 1, -1, 0, -1], dtype=dtype)
    run_both("cosine_embedding_loss", a, b, y, grad=(0, 1), margin=margin, reduction=reduction)
    y0 = np.asarray(y[1])
    run_both("cosine_embedding_loss", a[0], b[0], y0, grad=(0, 1), reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
def test_margin_ranking_loss(margin, reduction, dtype):
    a, b = randn((8,), dtype, 1), randn((8,), dtype, 2)
    y = np.sign(randn((8,), dtype, 3))
    run_both("margin_ranking_loss", a, b, y, grad=(0, 1, 2), margin=margin, reduction=reduction)
    run_both("margin_ranking_loss", a, b, y.astype(np.int64), grad=(0, 1), reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(reduction):
    x = randn((3, 4), "float64", 1, scale=2)
    y = np.sign(randn((3, 4), "float64", 2))
    run_both("hinge_embedding_loss", x, y, reduction=reduction)
    run_both("hinge_embedding_loss", x, y, margin=0.5, reduction=reduction)


def test_soft_margin_loss_large_margins():
    x = np.array([30.0, -30.0, 80.0, -80.0, 0.0], dtype=np.float32)
    run_both("soft_margin_loss", x, np.array([1.0, 1, -1, -1, 1], dtype=np.float32))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True)])
def test_poisson_nll_loss(log_input, full, reduction):
    x = randn((3, 4), "float64", 1) if log_input else rand((3, 4), "float64", 1) + 0.1
    t = np.random.default_rng(2).poisson(2.0, (3, 4)).astype(np.float64)
    run_both("poisson_nll_loss", x, t, log_input=log_input, full=full, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3,), (3, 1), "float"])
def test_gaussian_nll_loss(var_shape, reduction):
    x, t = randn((3, 4), "float64", 1), randn((3, 4), "float64", 2)
    var = (
        0.7 if var_shape == "float" else rand(var_shape, "float64", 3) + 1e-7 * (var_shape[-1] == 1)
    )
    for full in (False, True):
        run_both("gaussian_nll_loss", x, t, var, grad=(0, 1, 2), full=full, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, False), (2, True), (3, True)])
def test_triplet_margin_loss(p, swap, reduction):
    a, b, c = (randn((5, 4), "float64", s) for s in (1, 2, 3))
    run_both("triplet_margin_loss", a, b, c, grad=(0, 1, 2), p=p, swap=swap, reduction=reduction)
    run_both("triplet_margin_loss", a[0], b[0], c[0], grad=(0, 1, 2), margin=2.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(p, reduction, dtype):
    x = randn((5, 4), dtype, 1)
    y = np.array([0, 3, 1, 1, 2])
    run_both("multi_margin_loss", x, y, p=p, reduction=reduction)
    w = rand((4,), dtype, 2)
    run_both("multi_margin_loss", x, y, p=p, margin=0.7, weight=w, reduction=reduction)
    run_both("multi_margin_loss", x[0], np.array(2), p=p, reduction=reduction)


# ---------------------------------------------------------------- numerical gradients
def _leaf(shape, seed, positive=False):
    arr = rand(shape, "float64", seed) + 0.1 if positive else randn(shape, "float64", seed)
    return chainrule.tensor(arr, requires_grad=True)


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda x, y: CF.smooth_l1_loss(x, y, beta=0.5), [(3, 4), (3, 4)]),
        (
            lambda x, y: CF.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=y[0].exp()),
            [(3, 4), (3, 4)],
        ),
        (lambda x, y: CF.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(3, 4), (3, 4)]),
        (lambda x, y: CF.kl_div(x, y.softmax(-1), reduction="batchmean"), [(3, 4), (3, 4)]),
        (
            lambda x, y: CF.cosine_embedding_loss(x, y, chainrule.tensor([1.0, -1, 1])),
            [(3, 4), (3, 4)],
        ),
    ],
)
def test_gradcheck(fn, shapes):
    inputs = [_leaf(s, i) for i, s in enumerate(shapes)]
    assert chainrule.autograd.gradcheck(fn, inputs)


def test_double_backward_matches_torch():
    x = randn((3, 4), "float64", 1)
    t = rand((3, 4), "float64", 2)
    cx, tx = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (cg,) = chainrule.autograd.grad(
        CF.binary_cross_entropy_with_logits(cx, chainrule.tensor(t)), cx, create_graph=True
    )
    (tg,) = torch.autograd.grad(
        torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.tensor(t)),
        tx,
        create_graph=True,
    )
    (cg * cg).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: CF.binary_cross_entropy(x.sigmoid(), y.sigmoid(), reduction="sum"),
        lambda x, y: CF.kl_div(x, y.exp(), reduction="sum"),
        lambda x, y: CF.huber_loss(x, y, delta=0.5),
        lambda x, y: CF.mse_loss(x, y),
        lambda x, y: CF.mse_loss(x, y, reduction="sum"),
    ],
    ids=["binary_cross_entropy", "kl_div", "huber_loss", "mse_mean", "mse_sum"],
)
def test_gradgradcheck(fn):
    # The fused ops' backward formulas are themselves differentiable (create_graph=True).
    inputs = [_leaf((3, 4), 1), _leaf((3, 4), 2)]
    assert chainrule.autograd.gradgradcheck(fn, inputs)
