"""The tutorial's XOR experiment on chainrule, and the same maths on PyTorch as its twin.

A 2-4-1 sigmoid network, mean squared error, plain gradient descent with lr = 1.0 for 2000
epochs, float32, weights drawn as the tutorial draws them. chainrule must solve XOR, and
from the same initial weights its loss curve and final parameters must match PyTorch's.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float32)
Y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
EPOCHS = 2000
LR = 1.0
# The tutorial's printed losses (Part 5), for the same seed and init.
TUTORIAL_PRINTED = {200: 0.249160, 400: 0.243052, 800: 0.135110, 1000: 0.043413, 2000: 0.003152}


def initial_params(seed: int = 42, hidden: int = 4) -> list[np.ndarray]:
    """The tutorial's init: W ~ randn(fan_in, fan_out) * sqrt(1 / fan_in), zero biases.

    ``RandomState(seed)`` is the stream ``np.random.seed(seed)`` seeds, without touching the
    global state other tests may rely on.
    """
    rng = np.random.RandomState(seed)
    w1 = rng.randn(2, hidden) * np.sqrt(1.0 / 2)
    w2 = rng.randn(hidden, 1) * np.sqrt(1.0 / hidden)
    params = [w1, np.zeros((1, hidden)), w2, np.zeros((1, 1))]
    return [p.astype(np.float32) for p in params]


def forward(params, x):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).sigmoid()
    return (h @ w2 + b2).sigmoid()


def train_chainrule(update: str):
    """Returns (per-epoch losses, final params as arrays, final predictions)."""
    params = [chainrule.tensor(p, requires_grad=True) for p in initial_params()]
    x, y = chainrule.tensor(X), chainrule.tensor(Y)
    losses = []
    for _ in range(EPOCHS):
        loss = ((forward(params, x) - y) ** 2).mean()
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        if update == "no_grad":
            with chainrule.no_grad():
                for p in params:
                    p -= LR * p.grad
        else:  # the tutorial's spelling
            for p in params:
                p.data -= LR * p.grad
    with chainrule.no_grad():
        pred = forward(params, x).numpy()
    return np.array(losses), [p.detach().numpy().copy() for p in params], pred


def train_torch():
    torch = pytest.importorskip("torch")
    params = [torch.tensor(p, requires_grad=True) for p in initial_params()]
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    losses = []
    for _ in range(EPOCHS):
        loss = ((forward(params, x) - y) ** 2).mean()
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
    return np.array(losses), [p.detach().numpy().copy() for p in params]


@pytest.fixture(scope="module")
def torch_run():
    return train_torch()


@pytest.fixture(scope="module", params=["no_grad", "data"])
def chainrule_run(request):
    return train_chainrule(request.param)


def test_initial_weights_are_the_tutorials():
    # the tutorial seeds NumPy's global stream and draws W1 then W2 from it
    state = np.random.get_state()
    try:
        np.random.seed(42)
        w1 = np.random.randn(2, 4) * np.sqrt(1.0 / 2)
        w2 = np.random.randn(4, 1) * np.sqrt(1.0 / 4)
    finally:
        np.random.set_state(state)
    params = initial_params()
    np.testing.assert_array_equal(params[0], w1.astype(np.float32))
    np.testing.assert_array_equal(params[2], w2.astype(np.float32))
    assert [p.shape for p in params] == [(2, 4), (1, 4), (4, 1), (1, 1)]
    assert all(p.dtype == np.float32 for p in params)


def test_xor_reaches_full_accuracy(chainrule_run):
    losses, _, pred = chainrule_run
    assert pred.shape == (4, 1) and pred.dtype == np.float32
    np.testing.assert_array_equal(np.round(pred), Y)
    assert losses[-1] < 0.01 < losses[0]


def test_xor_prints_the_tutorials_losses(chainrule_run):
    losses, _, _ = chainrule_run
    for epoch, printed in TUTORIAL_PRINTED.items():
        # printed to 6 decimals: within half a unit of the value, plus float32 slack
        assert abs(losses[epoch - 1] - printed) <= 6e-7, epoch


def test_xor_loss_curve_matches_pytorch(chainrule_run, torch_run):
    losses, _, _ = chainrule_run
    torch_losses, _ = torch_run
    assert losses.shape == torch_losses.shape == (EPOCHS,)
    np.testing.assert_allclose(losses, torch_losses, rtol=0, atol=1e-5)


def test_xor_final_params_match_pytorch(chainrule_run, torch_run):
    _, params, _ = chainrule_run
    _, torch_params = torch_run
    for ours, theirs in zip(params, torch_params):
        assert ours.dtype == theirs.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
