"""Pieces the workloads share: the libraries, initial weights, the digits data, and the
NumPy building blocks (softmax cross-entropy, PyTorch's Adam) of the hand-written limits.

chainrule and PyTorch run the *same* training code, written once against the torch API and
given the library module (``lib``) as an argument: a difference in time is then a
difference in the engines, never in the scripts.
"""

from __future__ import annotations

import importlib
import math
import os

import numpy as np

FLOAT = np.float32
TORCHLIKE = ("chainrule", "torch")


def import_library(name: str):
    """The library an implementation needs, imported (and configured) in its worker.

    PyTorch gets one intra-op thread per core (``torch.set_num_threads(os.cpu_count())``);
    NumPy's BLAS uses every core by default, and chainrule runs on NumPy.
    """
    if name == "torch":
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        return torch
    if name == "chainrule":
        import chainrule

        return chainrule
    return None  # numpy (already imported) and the tutorial's class (extracted when prepared)


def data_module(lib):
    """``chainrule.utils.data`` or ``torch.utils.data``."""
    return importlib.import_module(f"{lib.__name__}.utils.data")


# ---------------------------------------------------------------------------- initial weights
def uniform_init(rng: np.random.RandomState, fan_in: int, shape: tuple) -> np.ndarray:
    """PyTorch's default Linear/Conv init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as float32."""
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(FLOAT)


def mlp_weights(rng: np.random.RandomState, sizes: list[int]) -> dict[str, np.ndarray]:
    """``W0, b0, W1, b1, ...`` with ``W`` in NumPy's ``(in, out)`` layout (``x @ W + b``)."""
    weights = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights[f"W{i}"] = uniform_init(rng, n_in, (n_in, n_out))
        weights[f"b{i}"] = uniform_init(rng, n_in, (n_out,))
    return weights


def load_linears(lib, model, data: dict) -> None:
    """Copy ``W0, b0, W1, ...`` into the model's Linear layers, in order.

    A Linear layer holds ``weight`` as ``(out, in)`` and computes ``x @ weight.T + bias``:
    the transpose of NumPy's ``W``.
    """
    linears = [m for m in model.modules() if isinstance(m, lib.nn.Linear)]
    with lib.no_grad():
        for i, layer in enumerate(linears):
            layer.weight.copy_(lib.from_numpy(np.ascontiguousarray(data[f"W{i}"].T)))
            layer.bias.copy_(lib.from_numpy(data[f"b{i}"]))


# ---------------------------------------------------------------------------- digits
def digits(test_fraction: float = 0.2, seed: int = 0) -> dict[str, np.ndarray]:
    """scikit-learn's 8x8 digits: a seeded train/test split, pixels as float32, labels int64."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - the bench extra brings it
        raise ImportError(
            "the digits workloads need scikit-learn: pip install 'chainrule[datasets]'"
        ) from err
    bunch = load_digits()
    x = bunch.data.astype(FLOAT)
    y = bunch.target.astype(np.int64)
    order = np.random.RandomState(seed).permutation(len(x))
    n_test = int(round(test_fraction * len(x)))
    test, train = order[:n_test], order[n_test:]
    return {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]}


def standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale each feature by the training set's mean and std (constant features: std 1)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1.0
    return [((a - mean) / std).astype(FLOAT) for a in (train, *others)]


def epoch_orders(n: int, epochs: int, seed: int) -> np.ndarray:
    """One shuffled order of ``range(n)`` per epoch, drawn once and shared by every
    implementation (each library's own shuffle would draw different batches)."""
    rng = np.random.RandomState(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)


class EpochOrder:
    """A DataLoader sampler that replays ``orders``: epoch ``k`` visits ``orders[k]``.

    Both DataLoaders accept any iterable of indices as ``sampler``.
    """

    def __init__(self, orders: np.ndarray) -> None:
        self.orders = orders
        self.epoch = 0

    def __iter__(self):
        order = self.orders[self.epoch % len(self.orders)]
        self.epoch += 1
        return iter(order.tolist())

    def __len__(self) -> int:
        return self.orders.shape[1]


def batches(order: np.ndarray, batch_size: int):
    """The index arrays of one epoch's batches (the last may be short, as a DataLoader's)."""
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


# ---------------------------------------------------------------------------- NumPy pieces
def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray):
    """Mean cross-entropy of ``logits`` (batch, classes) against int labels, and its
    gradient with respect to the logits: ``(softmax(logits) - onehot(labels)) / batch``."""
    batch = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(batch)
    loss = -log_probs[rows, labels].mean()
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    grad *= 1.0 / batch
    return loss, grad


class NumpyAdam:
    """PyTorch's Adam (defaults betas=(0.9, 0.999), eps=1e-8, no weight decay), in place,
    in the same order of operations as its single-tensor CPU path."""

    def __init__(self, params: list[np.ndarray], lr: float = 1e-3) -> None:
        self.params = params
        self.lr = lr
        self.beta1, self.beta2, self.eps = 0.9, 0.999, 1e-8
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        bias_correction1 = 1 - self.beta1**self.t
        bias_correction2_sqrt = math.sqrt(1 - self.beta2**self.t)
        step_size = self.lr / bias_correction1
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            m += (g - m) * (1 - self.beta1)  # torch: exp_avg.lerp_(grad, 1 - beta1)
            v *= self.beta2
            v += g * g * (1 - self.beta2)
            denom = np.sqrt(v)
            denom /= bias_correction2_sqrt
            denom += self.eps
            p -= step_size * (m / denom)
