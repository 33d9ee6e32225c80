"""W1, the seed tutorial's XOR network: 2-4-1, sigmoid, MSE, full batch of 4, SGD lr 1.0.

The initial weights are the tutorial's: ``np.random.seed(42)``, then
``randn(fan_in, fan_out) * sqrt(1 / fan_in)`` for each layer and zero biases. Besides
NumPy, chainrule and PyTorch, the tutorial's own Tensor class runs the tutorial's own loop.
"""

from __future__ import annotations

import numpy as np

from ._base import SHORT_REPEAT, Target, Workload
from ._common import FLOAT, import_library, load_linears, sigmoid
from ._tutorial import tutorial_tensor_class

SIZES = [2, 4, 1]


def params(quick: bool) -> dict:
    return {"sizes": SIZES, "steps": 100 if quick else 2000, "lr": 1.0}


def make_data(params: dict) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(42)
    data = {
        "x": np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=FLOAT),
        "y": np.array([[0], [1], [1], [0]], dtype=FLOAT),
    }
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        data[f"W{i}"] = (rng.randn(n_in, n_out) * np.sqrt(1.0 / n_in)).astype(FLOAT)
        data[f"b{i}"] = np.zeros(n_out, dtype=FLOAT)
    return data


def numpy_impl(params: dict, data: dict):
    x, y = data["x"], data["y"]
    w0, b0, w1, b1 = (data[k].copy() for k in ("W0", "b0", "W1", "b1"))
    steps, lr = params["steps"], params["lr"]

    def train():
        nonlocal w0, b0, w1, b1  # updated in place
        for _ in range(steps):
            h = sigmoid(x @ w0 + b0)
            out = sigmoid(h @ w1 + b1)
            diff = out - y
            loss = np.mean(diff * diff)
            # backward: d(mean(diff^2))/d(out) = 2 * diff / n, then sigmoid' = s * (1 - s)
            dz1 = diff * (2.0 / diff.size) * out * (1.0 - out)
            dz0 = (dz1 @ w1.T) * h * (1.0 - h)
            w1 -= lr * (h.T @ dz1)
            b1 -= lr * dz1.sum(axis=0)
            w0 -= lr * (x.T @ dz0)
            b0 -= lr * dz0.sum(axis=0)
        return loss

    return train, lambda loss: {"loss": float(loss)}


def tutorial_impl(params: dict, data: dict):
    """The tutorial's Part 5 loop, on the tutorial's class."""
    Tensor = tutorial_tensor_class()
    x, y = Tensor(data["x"]), Tensor(data["y"])
    model = [
        Tensor(data["W0"], requires_grad=True),
        Tensor(data["b0"].reshape(1, -1), requires_grad=True),
        Tensor(data["W1"], requires_grad=True),
        Tensor(data["b1"].reshape(1, -1), requires_grad=True),
    ]
    w0, b0, w1, b1 = model
    steps, lr = params["steps"], params["lr"]

    def train():
        for _ in range(steps):
            y_pred = ((x @ w0 + b0).sigmoid() @ w1 + b1).sigmoid()
            loss = ((y_pred - y) ** 2).mean()
            for p in model:
                p.zero_grad()
            loss.backward()
            for p in model:
                p.data -= lr * p.grad
        return loss

    return train, lambda loss: {"loss": float(loss.data)}


def torchlike_impl(name: str):
    def prepare(params: dict, data: dict):
        lib = import_library(name)
        nn = lib.nn
        model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
        load_linears(lib, model, data)
        x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
        criterion = nn.MSELoss()
        optimizer = lib.optim.SGD(model.parameters(), lr=params["lr"])
        steps = params["steps"]

        def train():
            for _ in range(steps):
                loss = criterion(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return loss

        return train, lambda loss: {"loss": loss.item()}

    return prepare


WORKLOAD = Workload(
    id="W1",
    repeat=SHORT_REPEAT,
    title="tutorial XOR 2-4-1",
    params=params,
    make_data=make_data,
    implementations={
        "numpy": numpy_impl,
        "tutorial": tutorial_impl,
        "chainrule": torchlike_impl("chainrule"),
        "torch": torchlike_impl("torch"),
    },
    target=Target(ratio_to_numpy=2.5, no_slower_than="tutorial"),
)
