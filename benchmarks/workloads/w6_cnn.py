"""W6, the digits CNN of ``chainrule digits --model cnn``, one epoch.

The network of ``chainrule.cli.digits.build_model("cnn")``: two blocks of
Conv2d(3x3, padding 1)-BatchNorm2d-ReLU-MaxPool2d(2) with 32 and 64 channels
(8x8 -> 4x4 -> 2x2), Flatten and Linear(256, 10); trained as the command trains it, with
Adam at lr 0.01, batch 64, cross-entropy, on per-pixel standardised digits. One change:
no Dropout(0.2) before the linear layer. Its masks come from each library's own random
generator, so the runs could not reach the same loss; it costs one mask multiply forward
and backward, a small share of the step. The NumPy limit is im2col + one GEMM per
convolution (``_numpy_cnn``). No target: the issue reports this workload only.

The loss the implementations must agree on is the training set's in training mode (batch
statistics); the test accuracy is measured in evaluation mode. Why: a convolution bias
just before BatchNorm cancels out, so its true gradient is zero and each engine computes
rounding noise (~1e-8) instead. Adam divides by the gradient's own scale and turns that
noise into full-size steps of random sign, so the biases wander differently in each
engine; BatchNorm cancels them in training mode, but the running means that evaluation
uses trail them, and evaluation-mode losses differ by about 1%.
"""

from __future__ import annotations

import numpy as np

from ._base import Workload
from ._common import (
    EpochOrder,
    NumpyAdam,
    batches,
    data_module,
    digits,
    epoch_orders,
    import_library,
    load_linears,
    softmax_cross_entropy,
    standardise,
    uniform_init,
)
from ._numpy_cnn import cnn_backward, cnn_evaluate, cnn_forward

CHANNELS = (1, 32, 64)
FEATURES = CHANNELS[-1] * 2 * 2
PARAM_NAMES = ("K0", "c0", "g0", "be0", "K1", "c1", "g1", "be1", "W0", "b0")


def build_cnn(nn):
    """The network, for ``nn`` = ``chainrule.nn`` or ``torch.nn``."""
    layers = []
    for c_in, c_out in zip(CHANNELS[:-1], CHANNELS[1:]):
        layers += [
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(FEATURES, 10))


def params(quick: bool) -> dict:
    return {
        "epochs": 1,
        "batch_size": 64,
        "lr": 0.01,
        "train_samples": 128 if quick else None,  # None: the whole training split
    }


def make_data(params: dict) -> dict[str, np.ndarray]:
    data = digits()
    data["x_train"], data["x_test"] = standardise(data["x_train"], data["x_test"])
    for part in ("train", "test"):
        data[f"x_{part}"] = data[f"x_{part}"].reshape(-1, 1, 8, 8)
    if params["train_samples"]:
        data["x_train"] = data["x_train"][: params["train_samples"]]
        data["y_train"] = data["y_train"][: params["train_samples"]]
    data["orders"] = epoch_orders(len(data["x_train"]), params["epochs"], seed=6)
    rng = np.random.RandomState(7)
    for i, (c_in, c_out) in enumerate(zip(CHANNELS[:-1], CHANNELS[1:])):
        data[f"K{i}"] = uniform_init(rng, c_in * 9, (c_out, c_in, 3, 3))
        data[f"c{i}"] = uniform_init(rng, c_in * 9, (c_out,))
        data[f"g{i}"] = np.ones(c_out, dtype=np.float32)  # BatchNorm's initial weight, bias
        data[f"be{i}"] = np.zeros(c_out, dtype=np.float32)
    data["W0"] = uniform_init(rng, FEATURES, (FEATURES, 10))
    data["b0"] = uniform_init(rng, FEATURES, (10,))
    return data


def numpy_impl(params: dict, data: dict):
    weights = [data[name].copy() for name in PARAM_NAMES]
    running = [
        {"mean": np.zeros(c, np.float32), "var": np.ones(c, np.float32)} for c in CHANNELS[1:]
    ]
    optimizer = NumpyAdam(weights, lr=params["lr"])
    x_train, y_train = data["x_train"], data["y_train"]

    def train():
        for epoch in range(params["epochs"]):
            for idx in batches(data["orders"][epoch], params["batch_size"]):
                logits, saved = cnn_forward(x_train[idx], weights, running, training=True)
                _, grad_logits = softmax_cross_entropy(logits, y_train[idx])
                optimizer.step(cnn_backward(grad_logits, saved, weights))

    return train, lambda _: cnn_evaluate(weights, running, data)


def torchlike_impl(name: str):
    def prepare(params: dict, data: dict):
        lib = import_library(name)
        nn, F = lib.nn, lib.nn.functional
        model = build_cnn(nn)
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        with lib.no_grad():
            for i, (conv, norm) in enumerate(zip(convs, norms)):
                conv.weight.copy_(lib.from_numpy(data[f"K{i}"]))
                conv.bias.copy_(lib.from_numpy(data[f"c{i}"]))
                norm.weight.copy_(lib.from_numpy(data[f"g{i}"]))
                norm.bias.copy_(lib.from_numpy(data[f"be{i}"]))
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
            model.train()
            for _ in range(params["epochs"]):
                for xb, yb in loader:
                    loss = F.cross_entropy(model(xb), yb)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()

        def finish(_):
            with lib.no_grad():
                model.eval()
                predicted = model(lib.from_numpy(data["x_test"])).argmax(dim=1).numpy()
                model.train()  # the loss that is compared: see the module's docstring
                loss = F.cross_entropy(model(x_train), y_train).item()
            return {"loss": loss, "accuracy": float((predicted == data["y_test"]).mean())}

        return train, finish

    return prepare


WORKLOAD = Workload(
    id="W6",
    title="digits CNN, 1 epoch",
    params=params,
    make_data=make_data,
    implementations={
        "numpy": numpy_impl,
        "chainrule": torchlike_impl("chainrule"),
        "torch": torchlike_impl("torch"),
    },
    metric="accuracy",
)
