"""W2, digits MLP: 64-128-64-10 ReLU, cross-entropy, Adam lr 1e-3, batch 32, with a DataLoader.

scikit-learn's digits, standardised with the training set's statistics; 80/20 split. The
batch order of every epoch is drawn once with NumPy and replayed by each DataLoader (a
sampler), so all implementations see the same batches. Reported: the training-set loss
after training (the agreement check) and the test accuracy.
"""

from __future__ import annotations

import numpy as np

from ._base import Target, Workload
from ._common import (
    EpochOrder,
    NumpyAdam,
    batches,
    data_module,
    digits,
    epoch_orders,
    import_library,
    load_linears,
    mlp_weights,
    softmax_cross_entropy,
    standardise,
)

SIZES = [64, 128, 64, 10]


def params(quick: bool) -> dict:
    return {
        "sizes": SIZES,
        "epochs": 1 if quick else 20,
        "batch_size": 32,
        "lr": 1e-3,
        "train_samples": 256 if quick else None,  # None: the whole training split
    }


def make_data(params: dict) -> dict[str, np.ndarray]:
    data = digits()
    data["x_train"], data["x_test"] = standardise(data["x_train"], data["x_test"])
    if params["train_samples"]:
        data["x_train"] = data["x_train"][: params["train_samples"]]
        data["y_train"] = data["y_train"][: params["train_samples"]]
    data["orders"] = epoch_orders(len(data["x_train"]), params["epochs"], seed=1)
    data.update(mlp_weights(np.random.RandomState(2), SIZES))
    return data


def mlp_forward(x, weights):
    """Hidden activations (ReLU outputs, for backward) and logits of the NumPy MLP."""
    hidden = []
    for i in range(len(weights) // 2):
        z = x @ weights[2 * i] + weights[2 * i + 1]
        if i < len(weights) // 2 - 1:
            z = np.maximum(z, 0.0)
            hidden.append(z)
        x = z
    return hidden, x


def mlp_backward(x, hidden, grad_logits, weights):
    """Gradients of ``[W0, b0, W1, b1, ...]`` given d(loss)/d(logits)."""
    inputs = [x, *hidden]
    grads = [None] * len(weights)
    g = grad_logits
    for i in reversed(range(len(weights) // 2)):
        grads[2 * i] = inputs[i].T @ g
        grads[2 * i + 1] = g.sum(axis=0)
        if i > 0:
            g = g @ weights[2 * i].T
            g *= hidden[i - 1] > 0
    return grads


def mlp_evaluate(weights, data) -> dict:
    _, logits = mlp_forward(data["x_train"], weights)
    loss, _ = softmax_cross_entropy(logits, data["y_train"])
    _, logits = mlp_forward(data["x_test"], weights)
    accuracy = float((logits.argmax(axis=1) == data["y_test"]).mean())
    return {"loss": float(loss), "accuracy": accuracy}


def numpy_impl(params: dict, data: dict):
    weights = [data[f"{k}{i}"].copy() for i in range(len(SIZES) - 1) for k in "Wb"]
    optimizer = NumpyAdam(weights, lr=params["lr"])
    x_train, y_train = data["x_train"], data["y_train"]

    def train():
        for epoch in range(params["epochs"]):
            for idx in batches(data["orders"][epoch], params["batch_size"]):
                xb, yb = x_train[idx], y_train[idx]
                hidden, logits = mlp_forward(xb, weights)
                _, grad_logits = softmax_cross_entropy(logits, yb)
                optimizer.step(mlp_backward(xb, hidden, grad_logits, weights))

    return train, lambda _: mlp_evaluate(weights, data)


def torchlike_impl(name: str):
    def prepare(params: dict, data: dict):
        lib = import_library(name)
        nn, F = lib.nn, lib.nn.functional
        layers = []
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        model = nn.Sequential(*layers[:-1])
        load_linears(lib, model, data)
        x_train, y_train = lib.from_numpy(data["x_train"]), lib.from_numpy(data["y_train"])
        utils_data = data_module(lib)
        loader = utils_data.DataLoader(
            utils_data.TensorDataset(x_train, y_train),
            batch_size=params["batch_size"],
            sampler=EpochOrder(data["orders"]),
        )
        optimizer = lib.optim.Adam(model.parameters(), lr=params["lr"])

        def train():
            for _ in range(params["epochs"]):
                for xb, yb in loader:
                    loss = F.cross_entropy(model(xb), yb)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()

        def finish(_):
            with lib.no_grad():
                loss = F.cross_entropy(model(x_train), y_train).item()
                logits = model(lib.from_numpy(data["x_test"]))
                predicted = logits.argmax(dim=1).numpy()
            return {"loss": loss, "accuracy": float((predicted == data["y_test"]).mean())}

        return train, finish

    return prepare


WORKLOAD = Workload(
    id="W2",
    title="digits MLP 64-128-64-10",
    params=params,
    make_data=make_data,
    implementations={
        "numpy": numpy_impl,
        "chainrule": torchlike_impl("chainrule"),
        "torch": torchlike_impl("torch"),
    },
    target=Target(ratio_to_numpy=1.5),
    metric="accuracy",
)
