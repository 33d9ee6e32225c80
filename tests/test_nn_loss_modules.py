"""Loss modules against PyTorch's: forward and gradient parity (through nnpair.check_module,
which also copies the weight buffers through state_dict), reprs, buffers and options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn
from nnpair import check_module

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
P = RNG.random((4, 3)) * 0.9 + 0.05
T = RNG.standard_normal((4, 3))
W3 = RNG.random(3) + 0.5
IDX = np.array([0, 2, 1, 2])
SIGN = np.array([1.0, -1.0, -1.0, 1.0])


def _both(name, **kwargs):
    """The chainrule and torch modules built with the same options (arrays as tensors)."""
    c_kw = {k: chainrule.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(nn, name)(**c_kw), getattr(torch.nn, name)(**t_kw)


CASES = [
    ("L1Loss", {}, (X, T)),
    ("MSELoss", {"reduction": "sum"}, (X, T)),
    ("SmoothL1Loss", {"beta": 0.5, "reduction": "none"}, (X, T)),
    ("HuberLoss", {"delta": 0.7}, (X, T)),
    ("BCELoss", {"weight": W3}, (P, RNG.random((4, 3)))),
    ("BCEWithLogitsLoss", {"weight": W3, "pos_weight": W3 * 2}, (X, P)),
    ("BCEWithLogitsLoss", {"reduction": "none"}, (X * 1e4, P)),
    ("CrossEntropyLoss", {}, (X, IDX)),
    (
        "CrossEntropyLoss",
        {"weight": W3, "ignore_index": 1, "label_smoothing": 0.1, "reduction": "sum"},
        (X, IDX),
    ),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, (X, P / P.sum(1, keepdims=True))),
    ("NLLLoss", {"weight": W3, "ignore_index": 2}, (X, IDX)),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, (X, T)),
    ("KLDivLoss", {"reduction": "sum"}, (X, P)),
    ("CosineEmbeddingLoss", {"margin": 0.2}, (X, T, SIGN)),
    ("MarginRankingLoss", {"margin": 0.1}, (X[:, 0], T[:, 0], SIGN)),
    ("SoftMarginLoss", {}, (X, np.sign(T).astype(np.int64))),
    ("HingeEmbeddingLoss", {"margin": 0.5}, (X, np.sign(T))),
    # Targets >= 1: at a 0 target PyTorch's target gradient is nan (0 * log 0 behind its
    # mask), where chainrule's is the finite limit.
    ("PoissonNLLLoss", {"full": True}, (X, np.round(P * 4) + 1)),
    ("GaussianNLLLoss", {"full": True}, (X, T, P)),
    ("TripletMarginLoss", {"margin": 0.5, "swap": True}, (X, T, P)),
    ("MultiMarginLoss", {"p": 2, "weight": W3}, (X, IDX)),
]


@pytest.mark.parametrize("name,kwargs,inputs", CASES, ids=[c[0] for c in CASES])
def test_module_parity(name, kwargs, inputs):
    c_mod, t_mod = _both(name, **kwargs)
    assert repr(c_mod) == repr(t_mod)
    assert list(c_mod.state_dict()) == list(t_mod.state_dict())
    assert [n for n, _ in c_mod.named_buffers()] == [n for n, _ in t_mod.named_buffers()]
    check_module(c_mod, t_mod, *inputs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", [(c[0], c[1]) for c in CASES])
def test_options_are_stored(name, kwargs):
    c_mod, t_mod = _both(name, **kwargs)
    for key in (
        "reduction",
        "beta",
        "delta",
        "ignore_index",
        "label_smoothing",
        "log_target",
        "margin",
        "p",
        "eps",
        "swap",
        "full",
        "log_input",
    ):
        assert getattr(c_mod, key, None) == getattr(t_mod, key, None), key


def test_weight_buffers_follow_dtype_and_state_dict():
    c_mod, t_mod = _both("BCEWithLogitsLoss", weight=W3.astype(np.float32), pos_weight=W3)
    assert set(c_mod.state_dict()) == {"weight", "pos_weight"}
    c_mod.double()
    assert c_mod.weight.dtype == chainrule.float64
    c_mod, t_mod = _both("CrossEntropyLoss")
    assert c_mod.weight is None and dict(c_mod.state_dict()) == {}
    assert list(c_mod._buffers.items()) == [("weight", None)] == list(t_mod._buffers.items())


def test_module_reduction_errors_and_legacy_flags():
    c_mod, t_mod = _both("MSELoss", reduction="bogus")  # accepted, refused at forward
    x = chainrule.tensor(X)
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        c_mod(x, x)
    with pytest.raises(ValueError):
        t_mod(torch.tensor(X), torch.tensor(X))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        c_mod = nn.L1Loss(size_average=False)
    assert c_mod.reduction == "sum"
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(TypeError, match="delta must be a float or int"):
        nn.HuberLoss(delta="1")


def test_training_step_matches_torch():
    # One model, three losses summed; a few SGD steps by hand agree with PyTorch's.
    c_lin, t_lin = nn.Linear(3, 3).double(), torch.nn.Linear(3, 3).double()
    c_lin.load_state_dict(
        {k: chainrule.tensor(v.detach().numpy()) for k, v in t_lin.state_dict().items()}
    )
    c_losses = [nn.CrossEntropyLoss(label_smoothing=0.1), nn.MSELoss()]
    t_losses = [torch.nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.MSELoss()]
    for _ in range(3):
        c_out, t_out = c_lin(chainrule.tensor(X)), t_lin(torch.tensor(X))
        c_loss = c_losses[0](c_out, chainrule.tensor(IDX)) + c_losses[1](c_out, chainrule.tensor(T))
        t_loss = t_losses[0](t_out, torch.tensor(IDX)) + t_losses[1](t_out, torch.tensor(T))
        np.testing.assert_allclose(c_loss.item(), t_loss.item(), rtol=1e-12)
        c_lin.zero_grad()
        t_lin.zero_grad()
        c_loss.backward()
        t_loss.backward()
        with chainrule.no_grad(), torch.no_grad():
            for c_p, t_p in zip(c_lin.parameters(), t_lin.parameters()):
                c_p -= 0.5 * c_p.grad
                t_p -= 0.5 * t_p.grad
