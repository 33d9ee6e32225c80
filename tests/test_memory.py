"""Training does not grow memory: 2,000 steps of the tutorial's XOR network and of a
digits-sized MLP keep tracemalloc's traced memory flat after a warm-up, and each step's graph
(its nodes, saved arrays and intermediate tensors) is freed by reference counting alone as
soon as the next step drops it: no reference cycle keeps a graph alive until the garbage
collector happens to run.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

import chainrule
from chainrule import nn, optim
from chainrule.utils.data import DataLoader, TensorDataset

STEPS = 2000
WARMUP = 200
# CPython keeps freed tuples, floats and dicts on free lists (up to 2,000 tuples of each
# length), which tracemalloc still counts; they fill within ~1,000 digits steps and then
# stay put. So memory is compared between the middle and the end of the run: a leak grows
# linearly and shows in both halves; a free list or cache does not.
MIDDLE = 1100
GROWTH_LIMIT = 32 * 1024  # bytes over 900 steps: a leak of one 48-byte tuple a step is 42 KiB


def _xor():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=1.0)
    loss_fn = nn.MSELoss()
    x = chainrule.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = chainrule.tensor([[0.0], [1.0], [1.0], [0.0]])

    def batches():
        while True:
            yield x, y

    return model, opt, loss_fn, batches()


def _digits():
    """64 inputs, 32 hidden, 10 classes, like sklearn's digits; random data of that shape."""
    chainrule.manual_seed(0)
    rng = np.random.default_rng(0)
    features = chainrule.tensor(rng.random((320, 64), dtype=np.float32) * 16)
    labels = chainrule.tensor(rng.integers(0, 10, 320))
    loader = DataLoader(TensorDataset(features, labels), batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def batches():
        while True:  # a fresh epoch (and DataLoader iterator) every 20 steps
            yield from loader

    return model, opt, loss_fn, batches()


def _step(model, opt, loss_fn, batch):
    """One training step; returns the loss, whose grad_fn roots the step's graph."""
    x, y = batch
    out = model(x)
    loss = loss_fn(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss, out


def _train_and_measure(setup):
    """Train ``STEPS`` steps under tracemalloc; the traced memory must not grow between
    step ``MIDDLE`` and the end. Returns the trained setup, for the next check."""
    model, opt, loss_fn, batches = setup()
    tracemalloc.start()
    try:
        for step in range(STEPS):
            if step == WARMUP:
                warm, _ = tracemalloc.get_traced_memory()
            if step == MIDDLE:
                middle, _ = tracemalloc.get_traced_memory()
                snapshot = tracemalloc.take_snapshot()
            loss, _ = _step(model, opt, loss_fn, next(batches))
        final_loss = loss.item()
        del loss
        end, _ = tracemalloc.get_traced_memory()
        growth = end - middle
        if growth >= GROWTH_LIMIT:  # say where the memory went
            top = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")[:8]
            raise AssertionError(
                f"traced memory grew by {growth} bytes from step {MIDDLE} to {STEPS} "
                f"({end - warm} from step {WARMUP}):\n" + "\n".join(str(s) for s in top)
            )
    finally:
        tracemalloc.stop()
    assert np.isfinite(final_loss)
    return model, opt, loss_fn, batches


def _graph_is_freed_without_gc(model, opt, loss_fn, batches):
    """The previous step's loss, its graph nodes and the model's output die by refcount."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loss, out = _step(model, opt, loss_fn, next(batches))
        refs = [weakref.ref(loss), weakref.ref(out), weakref.ref(loss.grad_fn)]
        refs.append(weakref.ref(out.grad_fn))
        del loss, out
        _step(model, opt, loss_fn, next(batches))
        alive = [r() for r in refs if r() is not None]
        assert alive == [], f"kept alive by a reference cycle: {alive}"
    finally:
        if was_enabled:
            gc.enable()


def test_xor_training_memory_is_flat():
    trained = _train_and_measure(_xor)
    _graph_is_freed_without_gc(*trained)


def test_digits_mlp_training_memory_is_flat():
    trained = _train_and_measure(_digits)
    _graph_is_freed_without_gc(*trained)


def test_the_weakref_check_sees_a_cycle():
    """Guard for the check above: a graph tied into a cycle is reported as alive."""
    model, opt, loss_fn, batches = _xor()
    gc.disable()
    try:
        loss, out = _step(model, opt, loss_fn, next(batches))
        node = loss.grad_fn
        node.cycle = node  # a reference cycle through the graph node
        ref = weakref.ref(node)
        del loss, out, node
        _step(model, opt, loss_fn, next(batches))
        assert ref() is not None
    finally:
        gc.enable()
        gc.collect()
    assert ref() is None
