"""W3, wide MLP: batch 512, 1024-2048-2048-10 ReLU, cross-entropy, SGD, random data.

Here the matrix products dominate, so the NumPy limit is BLAS: an engine should add no
measurable time, and hold no more memory than the backward pass needs. GFLOP/s counts
3 matrix products per layer per step (forward ``x @ W``, backward ``g @ W.T`` and
``x.T @ g``), each ``2 * m * n * k`` flops, although nobody computes the first layer's
input gradient: the figure is a nominal rate, the same for every implementation.
"""

from __future__ import annotations

import numpy as np

from ._base import Target, Workload
from ._common import FLOAT, import_library, load_linears, mlp_weights, softmax_cross_entropy


def params(quick: bool) -> dict:
    if quick:
        return {"batch": 64, "sizes": [128, 256, 256, 10], "steps": 3, "lr": 0.01}
    return {"batch": 512, "sizes": [1024, 2048, 2048, 10], "steps": 30, "lr": 0.01}


def flops(params: dict) -> float:
    sizes, batch = params["sizes"], params["batch"]
    per_step = sum(3 * 2 * batch * n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return float(per_step * params["steps"])


def make_data(params: dict) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(3)
    data = {
        "x": rng.randn(params["batch"], params["sizes"][0]).astype(FLOAT),
        "y": rng.randint(0, params["sizes"][-1], size=params["batch"]).astype(np.int64),
    }
    data.update(mlp_weights(rng, params["sizes"]))
    return data


def numpy_impl(params: dict, data: dict):
    """The limit: BLAS products, in-place ReLU and updates, nothing kept beyond what the
    backward pass reads."""
    x, y, lr = data["x"], data["y"], params["lr"]
    n_layers = len(params["sizes"]) - 1
    weights = [data[f"W{i}"].copy() for i in range(n_layers)]
    biases = [data[f"b{i}"].copy() for i in range(n_layers)]

    def train():
        for _ in range(params["steps"]):
            inputs = [x]
            for i in range(n_layers):
                z = inputs[-1] @ weights[i]
                z += biases[i]
                if i < n_layers - 1:
                    inputs.append(np.maximum(z, 0.0, out=z))
            loss, g = softmax_cross_entropy(z, y)
            for i in reversed(range(n_layers)):
                grad_w = inputs[i].T @ g
                grad_b = g.sum(axis=0)
                if i > 0:
                    g = g @ weights[i].T
                    g *= inputs[i] > 0
                grad_w *= lr
                weights[i] -= grad_w
                biases[i] -= lr * grad_b
        return loss

    return train, lambda loss: {"loss": float(loss)}


def torchlike_impl(name: str):
    def prepare(params: dict, data: dict):
        lib = import_library(name)
        nn, F = lib.nn, lib.nn.functional
        sizes = params["sizes"]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        load_linears(lib, model, data)
        x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])
        optimizer = lib.optim.SGD(model.parameters(), lr=params["lr"])

        def train():
            for _ in range(params["steps"]):
                loss = F.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return loss

        return train, lambda loss: {"loss": loss.item()}

    return prepare


WORKLOAD = Workload(
    id="W3",
    title="wide MLP 1024-2048-2048-10",
    params=params,
    make_data=make_data,
    implementations={
        "numpy": numpy_impl,
        "chainrule": torchlike_impl("chainrule"),
        "torch": torchlike_impl("torch"),
    },
    target=Target(ratio_to_numpy=1.05, peak_ratio_to_numpy=1.2),
    metric="GFLOP/s",
    work=flops,
)
