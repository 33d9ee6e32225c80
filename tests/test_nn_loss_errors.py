"""Loss functions fail as PyTorch does: the same exception type (checked by running PyTorch
on the same arguments), and a message that names what is wrong."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn.functional as CF
from loss_pair import same_error

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)
P = RNG.random((3, 4)).astype(np.float32)
Y = np.array([0, 3, 1])
LONG = np.ones((3, 4), dtype=np.int64)

# One valid call per loss, as (name, args): used for the reduction checks.
VALID = [
    ("mse_loss", (X, X)),
    ("l1_loss", (X, X)),
    ("smooth_l1_loss", (X, X)),
    ("huber_loss", (X, X)),
    ("binary_cross_entropy", (P, P)),
    ("binary_cross_entropy_with_logits", (X, P)),
    ("cross_entropy", (X, Y)),
    ("cross_entropy", (X, P)),
    ("nll_loss", (X, Y)),
    ("kl_div", (X, P)),
    ("cosine_embedding_loss", (X, X, np.ones(3, np.float32))),
    ("margin_ranking_loss", (X[0], X[1], np.ones(4, np.float32))),
    ("soft_margin_loss", (X, P)),
    ("hinge_embedding_loss", (X, P)),
    ("poisson_nll_loss", (X, P)),
    ("gaussian_nll_loss", (X, X, P)),
    ("triplet_margin_loss", (X, X, P)),
    ("multi_margin_loss", (X, Y)),
]


@pytest.mark.parametrize("name,args", VALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VALID)])
def test_bad_reduction(name, args):
    same_error(name, *args, reduction="average", match="average is not")


# (name, args, kwargs, substring of chainrule's message)
CASES = [
    # elementwise regression
    ("mse_loss", (LONG, LONG), {}, "mse_loss"),
    ("l1_loss", (LONG, LONG), {}, "l1_loss"),
    ("mse_loss", (X, np.ones(5, np.float32)), {}, "must match"),
    ("smooth_l1_loss", (X, X), {"beta": -1.0}, "negative values for beta"),
    ("huber_loss", (X, X), {"delta": 0.0}, "non-positive values for delta"),
    ("mse_loss", (X, X), {"weight": np.ones(4, np.float32)}, "Weights and input"),
    ("l1_loss", (X, X), {"weight": np.ones(4, np.float32)}, "Weights and input"),
    # binary cross-entropy
    ("binary_cross_entropy", (P + 1, P), {}, "input should be between 0 and 1"),
    ("binary_cross_entropy", (P, P - 1), {}, "target should be between 0 and 1"),
    ("binary_cross_entropy", (P * np.nan, P), {}, "input should be between 0 and 1"),
    ("binary_cross_entropy", (P, P[0]), {}, "different to the input size"),
    ("binary_cross_entropy", (P, LONG), {}, "Found dtype Long but expected Float"),
    ("binary_cross_entropy", (P, P.astype(np.float64)), {}, "Found dtype Double"),
    ("binary_cross_entropy", (P, P), {"weight": np.ones(5, np.float32)}, "weight"),
    ("binary_cross_entropy_with_logits", (X, P[0]), {}, "must be the same as input size"),
    ("binary_cross_entropy_with_logits", (X, LONG), {}, "Long"),
    ("binary_cross_entropy_with_logits", (LONG, P), {}, "dtype"),
    ("binary_cross_entropy_with_logits", (X, P), {"weight": np.ones(5, np.float32)}, "weight"),
    (
        "binary_cross_entropy_with_logits",
        (X, P),
        {"pos_weight": np.ones(5, np.float32)},
        "pos_weight",
    ),
    (
        "binary_cross_entropy_with_logits",
        (X, P),
        {"weight": np.ones((2, 3, 4), np.float32)},
        "[2, 3, 4]",
    ),
    # cross-entropy and nll: targets
    (
        "cross_entropy",
        (X, Y.astype(np.float32)),
        {},
        "expected target dtype to be Long or Byte, but got Float",
    ),
    ("cross_entropy", (X, Y.astype(np.int32)), {}, "but got Int"),
    ("nll_loss", (X, Y.astype(bool)), {}, "but got Bool"),
    ("cross_entropy", (X, np.array([0, 4, 1])), {}, "Target 4 is out of bounds."),
    ("cross_entropy", (X, np.array([0, -1, 1])), {}, "Target -1 is out of bounds."),
    ("nll_loss", (X, np.array([0, 4, 1])), {"reduction": "none"}, "Target 4 is out of bounds."),
    ("cross_entropy", (X, np.array([0, 4, 1])), {"label_smoothing": 0.1}, "out of bounds"),
    ("cross_entropy", (RNG.standard_normal((2, 3, 4, 5)), np.full((2, 4, 5), 3)), {}, "Target 3"),
    (
        "cross_entropy",
        (X, Y[:2]),
        {},
        "Expected input batch_size (3) to match target batch_size (2).",
    ),
    ("nll_loss", (X, np.array(1)), {}, "target batch_size (0)"),
    (
        "nll_loss",
        (RNG.standard_normal((2, 3, 4, 5)), np.zeros((3, 4, 5), np.int64)),
        {},
        "batch_size (2)",
    ),
    (
        "nll_loss",
        (RNG.standard_normal((2, 3, 4, 5)), np.zeros((2, 4, 6), np.int64)),
        {},
        "[2, 4, 6]",
    ),
    (
        "nll_loss",
        (RNG.standard_normal((2, 3, 4)), np.zeros((2, 5), np.int64)),
        {},
        "Expected target size [2, 4], got [2, 5]",
    ),
    (
        "nll_loss",
        (RNG.standard_normal((2, 3, 4, 5, 6)), np.zeros((2, 4, 5, 7), np.int64)),
        {},
        "[2, 4, 5, 6]",
    ),
    ("cross_entropy", (X, np.zeros((3, 5), np.float32)), {}, "multi-target not supported"),
    ("nll_loss", (X[0], np.array([1, 2])), {}, "1D target must have size 1"),
    ("nll_loss", (X[0], np.zeros((1, 1), np.int64)), {}, "multi-target"),
    ("nll_loss", (np.array(1.0), np.array(0)), {}, "Expected 1 or more dimensions (got 0)"),
    ("cross_entropy", (np.array(1.0), np.array(0)), {}, "class probabilities, got Long"),
    (
        "cross_entropy",
        (X, LONG),
        {},
        "Expected floating point type for target with class probabilities",
    ),
    ("cross_entropy", (X, P), {"ignore_index": 1}, "ignore_index is not supported"),
    ("cross_entropy", (X, Y), {"label_smoothing": 1.5}, "between 0.0 and 1.0. Got: 1.5"),
    ("cross_entropy", (X, P), {"label_smoothing": 1.5}, "between 0.0 and 1.0"),
    ("cross_entropy", (LONG, Y), {}, "dtype"),
    ("nll_loss", (LONG, Y), {}, "dtype"),
    # cross-entropy and nll: weights
    (
        "cross_entropy",
        (X, Y),
        {"weight": np.ones(3, np.float32)},
        "for all 4 classes or no classes",
    ),
    ("cross_entropy", (X, P), {"weight": np.ones(3, np.float32)}, "cross_entropy: weight tensor"),
    ("nll_loss", (X, Y), {"weight": np.ones((2, 2), np.float32)}, "shape: [2, 2]"),
    ("nll_loss", (X, Y), {"weight": np.array(1.0, np.float32)}, "shape: []"),
    (
        "cross_entropy",
        (X, Y),
        {"weight": np.ones(4)},
        "expected scalar type Float but found Double",
    ),
    (
        "nll_loss",
        (RNG.standard_normal((2, 3, 4)), np.zeros((2, 4), np.int64)),
        {"weight": np.ones(2)},
        "weight",
    ),
    # kl_div
    ("kl_div", (X, LONG), {"reduction": "sum"}, "Integral inputs not supported"),
    ("kl_div", (X, np.ones(5, np.float32)), {"reduction": "sum"}, "must match"),
    # margin losses
    ("cosine_embedding_loss", (X, X, np.ones((3, 1), np.float32)), {}, "multi-target"),
    (
        "cosine_embedding_loss",
        (X[0], X[1], np.ones(3, np.float32)),
        {},
        "1D target tensor expects 2D input",
    ),
    (
        "cosine_embedding_loss",
        (X, X, np.array(1.0, np.float32)),
        {},
        "0D target tensor expects 1D input",
    ),
    ("cosine_embedding_loss", (X, X[:, :3], np.ones(3, np.float32)), {}, "must match"),
    ("margin_ranking_loss", (X[0], X[1], np.ones((4, 1), np.float32)), {}, "same dimension"),
    ("margin_ranking_loss", (X[0], X[1, :3], np.ones(4, np.float32)), {}, "must match"),
    ("triplet_margin_loss", (X, X, X[0]), {}, "same number of dimensions"),
    ("triplet_margin_loss", (X, X, X), {"margin": 0.0}, "margin must be greater than 0"),
    (
        "multi_margin_loss",
        (X, Y.astype(np.float32)),
        {},
        "expected scalar type Long but found Float",
    ),
    ("multi_margin_loss", (X, np.array([0, 4, 1])), {}, "target out of range"),
    ("multi_margin_loss", (X, Y[:2]), {}, "Expected target size [3], but got [2]"),
    ("multi_margin_loss", (RNG.standard_normal((2, 3, 4)), Y[:2]), {}, "[2, 3, 4]"),
    ("multi_margin_loss", (X, Y), {"weight": np.ones((2, 2), np.float32)}, "one-dimensional"),
    ("multi_margin_loss", (X, Y), {"weight": np.ones(3, np.float32)}, "expected 4 but got [3]"),
    ("multi_margin_loss", (X, Y), {"p": 3}, "only p == 1 and p == 2"),
    ("gaussian_nll_loss", (X, X, np.ones(2, np.float32)), {}, "var is of incorrect size"),
    ("gaussian_nll_loss", (X, X, -P), {}, "var has negative entry"),
    ("gaussian_nll_loss", (X, X, -1.0), {}, "var has negative entry"),
    ("gaussian_nll_loss", (X, X, P), {"reduction": "x"}, "x is not valid"),
]


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize(
    "name,args,kwargs,match", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_errors_match_torch(name, args, kwargs, match):
    same_error(name, *args, match=match, **kwargs)


def test_target_must_be_a_tensor():
    x = chainrule.tensor(X)
    with pytest.raises(TypeError, match="argument 'target' must be Tensor, not list"):
        CF.cross_entropy(x, [0, 1, 2])
    with pytest.raises(TypeError, match="mse_loss"):
        CF.mse_loss(x, 1.0)


@pytest.mark.parametrize("name,target", [("nll_loss", Y), ("binary_cross_entropy", P)])
def test_weight_requiring_grad_is_refused(name, target):
    # PyTorch has no gradient for these weights and refuses one that asks for it.
    x = P if name == "binary_cross_entropy" else X
    w = np.ones(4, np.float32)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        getattr(torch.nn.functional, name)(
            torch.tensor(x), torch.tensor(target), weight=torch.tensor(w, requires_grad=True)
        )
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        getattr(CF, name)(
            chainrule.tensor(x),
            chainrule.tensor(target),
            weight=chainrule.tensor(w, requires_grad=True),
        )
    with chainrule.no_grad():  # nothing to refuse when no graph is recorded
        getattr(CF, name)(
            chainrule.tensor(x),
            chainrule.tensor(target),
            weight=chainrule.tensor(w, requires_grad=True),
        )
