"""cross_entropy and nll_loss against PyTorch: class-index and class-probability targets,
inputs (C), (N, C) and (N, C, d1, ..., dk), class weights, ignore_index (all-ignored batches
included), label smoothing, extreme logits; values and input gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn.functional as CF
from loss_pair import run_both

REDUCTIONS = ["none", "mean", "sum"]
C = 4
# (input shape, target shape) for class-index targets
INDEX_SHAPES = [
    ((C,), ()),
    ((5, C), (5,)),
    ((3, C, 6), (3, 6)),
    ((2, C, 3, 5), (2, 3, 5)),
    ((2, C, 2, 3, 2), (2, 2, 3, 2)),
]


def logits(shape, dtype, seed=0, scale=2.0):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=dtype)


def labels(shape, seed=1, ignore=None):
    """Class indices in [0, C); with ``ignore``, about a third of them set to it."""
    rng = np.random.default_rng(seed)
    t = np.asarray(rng.integers(0, C, shape), dtype=np.int64)
    if ignore is not None:
        t = np.where(rng.random(shape) < 0.35, ignore, t)
    return np.asarray(t, dtype=np.int64)


def probabilities(shape, class_dim, dtype, seed=2):
    e = np.exp(np.random.default_rng(seed).standard_normal(shape))
    return np.asarray(e / e.sum(axis=class_dim, keepdims=True), dtype=dtype)


OPTIONS = [
    {},
    {"weight": True},
    {"ignore_index": -100},
    {"weight": True, "ignore_index": 2},
    {"label_smoothing": 0.1},
    {"weight": True, "ignore_index": 1, "label_smoothing": 0.25},
]


# float64 on every shape; float32 on the spatial one (the maths is the same, the rounding
# is what a float32 run adds).
@pytest.mark.parametrize(
    "shapes,dtype",
    [(s, "float64") for s in INDEX_SHAPES] + [(INDEX_SHAPES[3], "float32")],
    ids=str,
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_cross_entropy_class_indices(options, reduction, shapes, dtype):
    x_shape, t_shape = shapes
    kwargs = dict(options)
    ignore = kwargs.get("ignore_index")
    if "weight" in kwargs:
        kwargs["weight"] = np.asarray(np.random.default_rng(5).random(C) + 0.2, dtype=dtype)
    t = labels(t_shape, ignore=ignore if len(x_shape) > 1 else None)
    x = logits(x_shape, dtype)
    run_both("cross_entropy", x, t, reduction=reduction, **kwargs)
    if kwargs.get("label_smoothing", 0) == 0:
        logp = np.asarray(
            x - np.log(np.exp(x).sum(axis=1 if len(x_shape) > 1 else 0, keepdims=True))
        )
        run_both("nll_loss", logp.astype(dtype), t, reduction=reduction, **kwargs)


@pytest.mark.parametrize(
    "x_shape,dtype",
    [(s, "float64") for s in [(C,), (5, C), (3, C, 6), (2, C, 3, 2)]] + [((3, C, 6), "float32")],
    ids=str,
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, {"weight": True}, {"label_smoothing": 0.2}, {"weight": True, "label_smoothing": 0.3}],
    ids=str,
)
def test_cross_entropy_class_probabilities(options, x_shape, reduction, dtype):
    kwargs = dict(options)
    if "weight" in kwargs:
        kwargs["weight"] = np.asarray(np.random.default_rng(5).random(C) + 0.2, dtype=dtype)
    class_dim = 0 if len(x_shape) == 1 else 1
    t = probabilities(x_shape, class_dim, dtype)
    run_both("cross_entropy", logits(x_shape, dtype), t, grad=(0, 1), reduction=reduction, **kwargs)


def test_one_dimensional_input_with_one_element_target():
    # PyTorch's backward fails for a (1,) target with a (C,) input, so compare the value,
    # and the gradient with the one for the equivalent 0-d target.
    x = logits((C,), "float64")
    for reduction in REDUCTIONS:
        run_both("cross_entropy", x, np.array([2]), grad=(), reduction=reduction)
    c_x = chainrule.tensor(x, requires_grad=True)
    CF.cross_entropy(c_x, chainrule.tensor([2])).backward()
    t_x = torch.tensor(x, requires_grad=True)
    torch.nn.functional.cross_entropy(t_x, torch.tensor(2)).backward()
    np.testing.assert_allclose(c_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-12)


def test_cross_entropy_mixed_dtypes_and_uint8_targets():
    x = logits((5, C), "float32")
    run_both("cross_entropy", x, probabilities((5, C), 1, "float64"), grad=(0, 1))
    run_both("cross_entropy", x, labels((5,)).astype(np.uint8))
    run_both("nll_loss", x, labels((5,)).astype(np.uint8), ignore_index=3)


def test_negative_label_smoothing_is_applied_only_to_probabilities():
    # PyTorch smooths only for label_smoothing > 0; below 0 the index path ignores it.
    x = logits((5, C), "float64")
    run_both("cross_entropy", x, labels((5,)), label_smoothing=-0.2)
    run_both("cross_entropy", x, probabilities((5, C), 1, "float64"), label_smoothing=-0.2)
    run_both("cross_entropy", x, labels((5,)), label_smoothing=1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_extreme_logits(reduction, dtype):
    x = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, -1e4, 1e4], [1e4, 1e4, -1e4, 0.0]], dtype)
    t = np.array([1, 3, 0])
    for kwargs in ({}, {"label_smoothing": 0.1}, {"weight": np.array([1, 2, 3, 4], dtype)}):
        c, _ = run_both("cross_entropy", x, t, reduction=reduction, **kwargs)
        assert np.isfinite(c.detach().numpy()).all()
    c, _ = run_both(
        "cross_entropy", x, probabilities((3, C), 1, dtype), grad=(0, 1), reduction=reduction
    )
    assert np.isfinite(c.detach().numpy()).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_all_targets_ignored(weighted, label_smoothing, reduction):
    # The mean over no targets is nan (0 / 0) in PyTorch; the gradient is 0 everywhere.
    x = logits((3, C, 2), "float32")
    t = np.full((3, 2), -100)
    w = np.array([0.5, 1.0, 2.0, 1.5], np.float32) if weighted else None
    c, _ = run_both(
        "cross_entropy", x, t, reduction=reduction, weight=w, label_smoothing=label_smoothing
    )
    if reduction == "mean":
        assert np.isnan(c.item())
    run_both("nll_loss", x, t, reduction=reduction, weight=w)


def test_zero_total_weight_gives_nan_as_torch():
    x = logits((3, C), "float64")
    t = np.array([0, 1, 1])
    run_both("nll_loss", x, t, weight=np.array([0.0, 0.0, 1.0, 1.0]))


def test_empty_batch():
    for reduction in REDUCTIONS:
        run_both(
            "cross_entropy", logits((0, C), "float32"), np.zeros(0, np.int64), reduction=reduction
        )
        run_both(
            "cross_entropy",
            logits((0, C), "float32"),
            np.zeros((0, C), np.float32),
            reduction=reduction,
        )
        run_both(
            "cross_entropy",
            logits((2, C, 0), "float32"),
            np.zeros((2, 0), np.int64),
            reduction=reduction,
        )


def test_one_dimensional_input_with_ignored_target():
    c, _ = run_both("nll_loss", logits((C,), "float64"), np.array(-100))
    assert np.isnan(c.item())
    c, _ = run_both("nll_loss", logits((C,), "float64"), np.array(2), reduction="none")
    assert c.shape == ()


def test_nll_loss_gradcheck_and_double_backward():
    x = chainrule.tensor(logits((3, C, 2), "float64"), requires_grad=True)
    t = chainrule.tensor(labels((3, 2), ignore=-100))
    w = chainrule.tensor(np.array([0.5, 1.0, 2.0, 1.5]))

    def loss(x):
        return CF.cross_entropy(x, t, weight=w, label_smoothing=0.15)

    assert chainrule.autograd.gradcheck(loss, [x])
    assert chainrule.autograd.gradgradcheck(loss, [x])
    assert chainrule.autograd.gradgradcheck(lambda x: CF.nll_loss(x, t, reduction="none"), [x])
