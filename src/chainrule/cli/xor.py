"""The ``chainrule`` command line: ``chainrule xor`` replays the seed tutorial's experiment.

The run is the tutorial's, step for step: a 2-H-1 sigmoid network initialised from NumPy's
seeded legacy stream with ``randn(fan_in, fan_out) * sqrt(1 / fan_in)`` (zero biases),
float32 throughout, mean squared error and plain gradient descent on the four XOR points.
With the defaults it prints the tutorial's own numbers (``Epoch 200/2000, Loss: 0.249160``).
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule

from ._common import positive

__all__ = ["run_xor"]

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]
RULE = "=" * 50


def add_parser(commands) -> argparse.ArgumentParser:
    xor = commands.add_parser(
        "xor",
        help="train the tutorial's 2-4-1 sigmoid network on XOR",
        description="Train the tutorial's sigmoid network on XOR with plain gradient descent.",
    )
    xor.add_argument("--epochs", type=positive(int), default=2000, help="default: 2000")
    xor.add_argument("--lr", type=positive(float), default=1.0, help="default: 1.0")
    xor.add_argument("--hidden", type=positive(int), default=4, help="hidden units (default: 4)")
    xor.add_argument("--seed", type=int, default=42, help="NumPy seed for the init (default: 42)")
    xor.add_argument("--quiet", action="store_true", help="print only the final accuracy and loss")
    return xor


def run(args) -> int:
    run_xor(args.epochs, args.lr, args.hidden, args.seed, quiet=args.quiet)
    return 0


def _init_params(sizes: list[int], seed: int) -> list[chainrule.Tensor]:
    """The tutorial's init: W ~ randn(fan_in, fan_out) * sqrt(1 / fan_in), b = 0, float32.

    ``RandomState(seed)`` draws the stream that the tutorial's ``np.random.seed(seed)`` seeds,
    so a given seed reproduces the tutorial's weights, without touching NumPy's global state.
    """
    rng = np.random.RandomState(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.randn(fan_in, fan_out) * np.sqrt(1.0 / fan_in)
        params.append(chainrule.tensor(w.astype(np.float32), requires_grad=True))
        params.append(chainrule.tensor(np.zeros((1, fan_out), np.float32), requires_grad=True))
    return params


def _forward(params: list[chainrule.Tensor], x: chainrule.Tensor) -> chainrule.Tensor:
    """Each layer is sigmoid(x @ W + b), the output layer included."""
    for w, b in zip(params[0::2], params[1::2]):
        x = (x @ w + b).sigmoid()
    return x


def run_xor(epochs: int, lr: float, hidden: int, seed: int, quiet: bool = False) -> float:
    """Train on XOR, printing as the tutorial does; returns the accuracy in [0, 1]."""
    say = (lambda *args: None) if quiet else print
    sizes = [2, hidden, 1]
    params = _init_params(sizes, seed)
    x = chainrule.tensor(XOR_INPUTS)
    y = chainrule.tensor(XOR_TARGETS)

    say(f"Network architecture: {' -> '.join(map(str, sizes))}")
    say(f"Total parameters: {sum(p.numel() for p in params)}")
    say(f"\nTraining started...\n{RULE}")
    loss_history = []
    for epoch in range(1, epochs + 1):
        loss = ((_forward(params, x) - y) ** 2).mean()
        loss_history.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        with chainrule.no_grad():
            for p in params:
                p -= lr * p.grad
        if epoch % 200 == 0:
            say(f"Epoch {epoch}/{epochs}, Loss: {loss.item():.6f}")

    with chainrule.no_grad():
        pred = _forward(params, x).numpy()[:, 0]
    target = np.asarray(XOR_TARGETS, dtype=np.float32)[:, 0]
    correct = np.round(pred) == target
    say(f"\nFinal Results:\n{RULE}")
    for xi, p, t, ok in zip(np.asarray(XOR_INPUTS, dtype=np.float32), pred, target, correct):
        say(f"Input: {xi} | Predicted: {p:.4f} | True: {t:.0f} | {'✓' if ok else '✗'}")
    accuracy = float(correct.mean())
    say()
    print(f"Accuracy: {accuracy * 100:.1f}%")
    print(f"Final loss: {loss_history[-1]:.6f}")
    return accuracy
