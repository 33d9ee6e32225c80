"""``python -m benchmarks.floor_w4``: what any Python-object engine costs on W4.

W4 (``y = tanh(y * 1.0001)`` 50,000 times on one element, then backward) is pure
bookkeeping: NumPy's own work is about 3 us a step. This probe times, interleaved in one
process, the hand-written NumPy pass of the harness, a *bare* engine (a tensor and a graph
node with ``__slots__``, two ops, a backward loop: no dtype or shape checks, no broadcasting,
no version counters, no hooks, no grad modes, no ordering for graphs that branch) and
chainrule, and prints each one's median and its ratio to NumPy, with the share of the time
that the garbage collector took (a 100,000-node graph is 100,000 live Python objects).

The bare engine is the floor for a design that keeps one Python object per recorded op; how
far chainrule sits above it is the price of its features. It is a probe, not a test.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import numpy as np

from .workloads import w4_deep_chain

SCALE = w4_deep_chain.SCALE


class _BareTensor:
    __slots__ = ("data", "node", "grad")


class _BareNode:
    __slots__ = ("input", "saved", "is_tanh")


_new = object.__new__


def _bare_op(x: _BareTensor, data: np.ndarray, saved, is_tanh: bool) -> _BareTensor:
    out = _new(_BareTensor)
    out.data = data
    out.grad = None
    node = out.node = _new(_BareNode)
    node.input = x if x.node is None else x.node
    node.saved = saved
    node.is_tanh = is_tanh
    return out


def bare(x0: np.ndarray, steps: int):
    x = _new(_BareTensor)
    x.data, x.node, x.grad = x0, None, None
    y = x
    for _ in range(steps):
        y = _bare_op(y, y.data * SCALE, SCALE, False)
        t = np.tanh(y.data)
        y = _bare_op(y, t, t, True)
    grad, node = np.ones_like(y.data), y.node
    while True:
        if node.is_tanh:
            grad = grad * (1 - node.saved * node.saved)
        else:
            grad = grad * node.saved
        node.saved = None
        if type(node.input) is _BareTensor:
            node.input.grad = grad
            return y.data, grad
        node = node.input


def numpy_pass(x0: np.ndarray, steps: int):
    """The harness's own NumPy pass for W4 (``workloads/w4_deep_chain.py``)."""
    train, _ = w4_deep_chain.numpy_impl({"steps": steps}, {"x": x0})
    return train()


def chainrule_pass(x0: np.ndarray, steps: int):
    import chainrule

    x = chainrule.tensor(x0, requires_grad=True)
    y = x
    for _ in range(steps):
        y = chainrule.tanh(y * SCALE)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


class _GcClock:
    """Time spent in the garbage collector, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor_w4", description=__doc__)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    x0 = np.array([0.5], dtype=np.float32)
    runs = {"NumPy": numpy_pass, "bare engine": bare, "chainrule": chainrule_pass}
    results = {name: fn(x0, args.steps) for name, fn in runs.items()}  # warm-up, and check
    for name, (y, grad) in results.items():
        np.testing.assert_allclose(y, results["NumPy"][0], rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(grad, results["NumPy"][1], rtol=1e-2, err_msg=name)
    times: dict[str, list[float]] = {name: [] for name in runs}
    gc_times: dict[str, list[float]] = {name: [] for name in runs}
    clock = _GcClock()
    gc.callbacks.append(clock)
    try:
        for _ in range(args.repeat):
            for name, fn in runs.items():
                gc.collect()
                clock.total = 0.0
                start = time.perf_counter()
                fn(x0, args.steps)
                times[name].append(time.perf_counter() - start)
                gc_times[name].append(clock.total)
    finally:
        gc.callbacks.remove(clock)
    base = statistics.median(times["NumPy"])
    print(f"W4 floor probe: {args.steps} steps, median of {args.repeat} interleaved runs")
    print(f"{'implementation':<14} {'median s':>9} {'x NumPy':>8} {'us/step':>8} {'in GC':>6}")
    for name in runs:
        median = statistics.median(times[name])
        share = statistics.median(gc_times[name]) / median
        per_step = median / args.steps * 1e6
        print(f"{name:<14} {median:9.4f} {median / base:8.2f} {per_step:8.2f} {share:6.0%}")


if __name__ == "__main__":
    main()
