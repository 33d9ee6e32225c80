"""W4, a deep chain: ``y = tanh(y * 1.0001)`` 50,000 times on a 1-element tensor, then backward.

Pure per-op and graph-walk overhead on a graph far deeper than any recursion limit (the
tutorial's recursive topological sort dies with RecursionError at 5,000, so it is not run).
The agreement check covers the final ``y`` and the gradient reaching the leaf.
"""

from __future__ import annotations

import numpy as np

from ._base import SHORT_REPEAT, Target, Workload
from ._common import FLOAT, import_library

SCALE = 1.0001


def params(quick: bool) -> dict:
    return {"steps": 2000 if quick else 50_000, "scale": SCALE}


def make_data(params: dict) -> dict[str, np.ndarray]:
    return {"x": np.array([0.5], dtype=FLOAT)}


def numpy_impl(params: dict, data: dict):
    """Forward storing each output, then the backward loop: d tanh(u)/du = 1 - tanh(u)^2."""
    x, steps = data["x"], params["steps"]

    def train():
        y = x
        outputs = []
        for _ in range(steps):
            y = np.tanh(y * SCALE)
            outputs.append(y)
        grad = np.ones_like(y)
        for out in reversed(outputs):
            grad = grad * (1.0 - out * out) * SCALE
        return y, grad

    def finish(result):
        y, grad = result
        return {"loss": float(y[0]), "checks": {"x.grad": float(grad[0])}}

    return train, finish


def torchlike_impl(name: str):
    def prepare(params: dict, data: dict):
        lib = import_library(name)
        x = lib.tensor(data["x"], requires_grad=True)
        steps = params["steps"]

        def train():
            y = x
            for _ in range(steps):
                y = lib.tanh(y * SCALE)
            y.sum().backward()
            return y

        def finish(y):
            return {"loss": y.item(), "checks": {"x.grad": x.grad.item()}}

        return train, finish

    return prepare


WORKLOAD = Workload(
    id="W4",
    repeat=SHORT_REPEAT,
    title="deep chain tanh x50k",
    params=params,
    make_data=make_data,
    implementations={
        "numpy": numpy_impl,
        "chainrule": torchlike_impl("chainrule"),
        "torch": torchlike_impl("torch"),
    },
    target=Target(ratio_to_numpy=2.0),
    # The leaf's gradient is a product of 50,000 float32 factors near 1: each engine
    # rounds them its own way, so it agrees to about 1e-3 only; the loss must agree tightly.
    checks_rtol=1e-2,
)
