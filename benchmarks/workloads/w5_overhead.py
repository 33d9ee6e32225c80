"""W5, per-op overhead, in microseconds per op.

- W5a: ``c = a + b`` on 1-element tensors that do not require grad (no graph is recorded);
- W5b: the same with ``a`` and ``b`` requiring grad (forward only: a graph node per add);
- W5c: forward and backward of a 10-op chain on 16x16 tensors, every leaf requiring grad:
  ``mul, add, sigmoid, matmul, add, relu, mul, pow 2, matmul, sum``; the time per op counts
  its share of the backward pass. Each leaf is used once, which keeps the tutorial's class
  (also run here) clear of its gradient-aliasing bug.
"""

from __future__ import annotations

import numpy as np

from ._base import SHORT_REPEAT, Target, Workload
from ._common import FLOAT, import_library, sigmoid
from ._tutorial import tutorial_tensor_class

CHAIN_OPS = 10
LEAVES = ("x", "w1", "b1", "w2", "b2", "w3", "w4")


# ---------------------------------------------------------------------------- a + b
def add_params(quick: bool) -> dict:
    return {"iterations": 2000 if quick else 200_000}


def add_data(params: dict) -> dict[str, np.ndarray]:
    return {"a": np.array([1.5], dtype=FLOAT), "b": np.array([-0.25], dtype=FLOAT)}


def add_numpy(params: dict, data: dict):
    a, b, n = data["a"], data["b"], params["iterations"]

    def train():
        for _ in range(n):
            c = a + b
        return c

    return train, lambda c: {"loss": float(c[0])}


def add_other(name: str, requires_grad: bool):
    def prepare(params: dict, data: dict):
        if name == "tutorial":
            make = tutorial_tensor_class()
        else:
            make = import_library(name).tensor
        a = make(data["a"], requires_grad=requires_grad)
        b = make(data["b"], requires_grad=requires_grad)
        n = params["iterations"]

        def train():
            for _ in range(n):
                c = a + b
            return c

        return train, lambda c: {"loss": float(np.asarray(c.data)[0])}

    return prepare


def add_implementations(requires_grad: bool) -> dict:
    return {
        "numpy": add_numpy,
        "tutorial": add_other("tutorial", requires_grad),
        "chainrule": add_other("chainrule", requires_grad),
        "torch": add_other("torch", requires_grad),
    }


# ---------------------------------------------------------------------------- the chain
def chain_params(quick: bool) -> dict:
    return {"iterations": 100 if quick else 5000, "size": 16}


def chain_data(params: dict) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(5)
    n = params["size"]
    return {name: (rng.randn(n, n) / np.sqrt(n)).astype(FLOAT) for name in LEAVES}


def chain_forward(x, w1, b1, w2, b2, w3, w4):
    """The chain, written once for every tensor type that spells these operators."""
    y = x * w1
    y = y + b1
    y = y.sigmoid()
    y = y @ w2
    y = y + b2
    y = y.relu()
    y = y * w3
    y = y**2
    y = y @ w4
    return y.sum()


def chain_numpy(params: dict, data: dict):
    """Forward keeping what backward reads, then each op's derivative by hand."""
    x, w1, b1, w2, b2, w3, w4 = (data[k] for k in LEAVES)
    n = params["iterations"]

    def train():
        for _ in range(n):
            s = sigmoid(x * w1 + b1)
            r = np.maximum(s @ w2 + b2, 0.0)
            m = r * w3
            p = m * m
            loss = (p @ w4).sum()
            g_out = np.ones_like(p)  # d sum / d(p @ w4), in the output's shape
            grad_w4 = p.T @ g_out
            g_m = (g_out @ w4.T) * 2.0 * m
            grad_w3 = g_m * r
            g_z = g_m * w3 * (r > 0)
            grad_b2 = g_z
            grad_w2 = s.T @ g_z
            g_u = (g_z @ w2.T) * s * (1.0 - s)
            grad_b1 = g_u
            grad_w1 = g_u * x
            grad_x = g_u * w1
        return loss, grad_x, (grad_w1, grad_b1, grad_w2, grad_b2, grad_w3, grad_w4)

    def finish(result):
        loss, grad_x, _ = result
        return {"loss": float(loss), "checks": {"sum(x.grad)": float(grad_x.sum())}}

    return train, finish


def chain_other(name: str):
    def prepare(params: dict, data: dict):
        if name == "tutorial":
            make = tutorial_tensor_class()
        else:
            make = import_library(name).tensor
        leaves = [make(data[k], requires_grad=True) for k in LEAVES]
        n = params["iterations"]

        def train():
            for _ in range(n):
                for leaf in leaves:
                    leaf.grad = None  # what optimizer.zero_grad() does: no accumulation
                loss = chain_forward(*leaves)
                loss.backward()
            return loss, leaves[0]

        def finish(result):
            loss, x = result
            grad = float(np.asarray(x.grad).sum())
            return {"loss": float(np.asarray(loss.data)), "checks": {"sum(x.grad)": grad}}

        return train, finish

    return prepare


WORKLOADS = [
    Workload(
        id="W5a",
        repeat=SHORT_REPEAT,
        title="a + b, no grad",
        params=add_params,
        make_data=add_data,
        implementations=add_implementations(requires_grad=False),
        metric="us/op",
        work=lambda p: p["iterations"],
    ),
    Workload(
        id="W5b",
        repeat=SHORT_REPEAT,
        title="a + b, requires grad",
        params=add_params,
        make_data=add_data,
        implementations=add_implementations(requires_grad=True),
        metric="us/op",
        work=lambda p: p["iterations"],
    ),
    Workload(
        id="W5c",
        repeat=SHORT_REPEAT,
        title="10-op chain fwd+bwd 16x16",
        params=chain_params,
        make_data=chain_data,
        implementations={
            "numpy": chain_numpy,
            "tutorial": chain_other("tutorial"),
            "chainrule": chain_other("chainrule"),
            "torch": chain_other("torch"),
        },
        target=Target(us_per_op=8.0),
        metric="us/op",
        work=lambda p: p["iterations"] * CHAIN_OPS,
    ),
]
