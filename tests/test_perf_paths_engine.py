"""The engine's shortcuts for deep graphs give PyTorch's numbers and keep their promises.

Each test targets one shortcut and would fail if it changed a result: the chain hand-off
(a node that is the only one waiting runs next without the heap), the shared metadata and
constant tuples that keep a long graph cheap for the garbage collector, the saved-value
sources that ``apply_binary`` records (what version checks and double backward read), and
the freed marker that a second backward trips over.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import chainrule
from chainrule.autograd import function as F


def _run(fn, *arrays, hook=None):
    """``fn(lib, *leaves)`` in chainrule and torch: outputs and leaf gradients of both."""
    out = []
    for lib in (chainrule, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *leaves)
        y.sum().backward()
        out.append((y.detach().numpy(), [t.grad.numpy() for t in leaves]))
    (yc, gc_), (yt, gt) = out
    np.testing.assert_allclose(yc, yt, rtol=1e-12, atol=1e-12)
    for a, b in zip(gc_, gt):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


X = np.linspace(-1.5, 1.2, 6).reshape(2, 3)
W = np.linspace(0.3, -0.8, 6).reshape(2, 3)


def test_chain_whose_node_sends_two_gradients_to_the_next_node():
    # y * y: both edges of the product reach tanh's node while it waits outside the heap
    _run(lambda lib, x: (lambda y: (y * y).exp())(x.tanh()), X)


def test_node_whose_two_inputs_are_new_nodes_sends_both_through_the_heap():
    # the product's inputs are two fresh nodes: the first is handed off, the second must
    # make both wait in the heap (newest first) or one would run before its consumer
    _run(lambda lib, x, w: (x.exp() * w.sin()).tanh(), X, W)
    _run(lambda lib, x: (lambda y: (y.exp() * y.sin()) + y)(x * 2.0), X)


def test_chain_through_a_node_with_a_hook_takes_the_general_path():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor(X, requires_grad=True)
        y = (x * 3.0).tanh()
        y.register_hook(lambda g: g * 2.0)  # y's node is no longer plain
        m = y * 0.5
        m.retain_grad()
        (m.exp()).sum().backward()
        grads.append((x.grad.numpy(), m.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_chain_into_a_node_with_several_outputs():
    # split's node has two outputs: it must gather both gradients in node_buf
    def fn(lib, x):
        u, v = (x * 2.0).split([1, 2], dim=1)
        return u.exp().sum() + (v * u).tanh().sum()

    _run(fn, X)


def test_a_50000_op_chain_matches_a_hand_computed_gradient():
    y = x = chainrule.tensor([0.5], dtype=chainrule.float64, requires_grad=True)
    value, grad = 0.5, 1.0
    for _ in range(50_000):
        y = (y * 1.0001).tanh()
        value = np.tanh(value * 1.0001)
        grad *= (1 - value * value) * 1.0001
    y.backward()
    np.testing.assert_allclose(y.item(), value, rtol=1e-12)
    np.testing.assert_allclose(x.grad.item(), grad, rtol=1e-9)


def test_graph_recorded_before_the_metadata_cache_is_emptied_still_backpropagates():
    x = chainrule.tensor(X, requires_grad=True)
    y = (x * 2.0).tanh() @ chainrule.tensor(W.T, requires_grad=True)
    first = dict(F._METAS)
    for n in range(1, 4200):  # more distinct shapes than the cache keeps: it is emptied
        (chainrule.ones(n, requires_grad=True) * 1.0).tanh()  # tanh's input is interned
    assert not any(k in F._METAS for k in first)  # emptied since y was recorded
    y.sum().backward()
    xt = torch.tensor(X, requires_grad=True)
    ((xt * 2.0).tanh() @ torch.tensor(W.T)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_a_long_chain_keeps_few_objects_per_op_for_the_garbage_collector():
    # Node, its _next tuple and its saved tuple; the rest is shared. (Before sharing: 7.)
    x = chainrule.tensor([0.5], requires_grad=True)
    (x * 1.0).tanh()  # warm the metadata cache
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        y = x
        for _ in range(1000):
            y = (y * 1.0001).tanh()
        per_op = (gc.get_count()[0] - before) / 2000
    finally:
        gc.enable()
    assert per_op <= 4.0, per_op
    node = y.grad_fn
    older = node.next_functions[0][0]
    assert node._meta[0] is older._meta[0]  # shared (output_nr, shape, dtype) entries


@pytest.mark.parametrize(
    "expr",
    ["a * b", "a * 2.0", "2.0 * a", "a / b", "3.0 / a", "b - a", "a + 1.0"],
)
def test_double_backward_through_the_operator_fast_path(expr):
    # create_graph reads each saved value back as a Tensor wired to its source: the input
    # Tensor on either side of the operator, or a constant
    results = []
    for lib in (chainrule, torch):
        a = lib.tensor(X + 2.0, requires_grad=True)
        b = lib.tensor(W, requires_grad=True)
        y = eval(expr, {"a": a, "b": b})
        (ga,) = lib.autograd.grad((y * y).sum(), a, create_graph=True)
        (gga,) = lib.autograd.grad((ga * ga).sum(), a)
        results.append((ga.detach().numpy(), gga.numpy()))
    for p, q in zip(*results):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("side", ["left", "right"])
def test_in_place_change_of_a_saved_operand_is_caught(side):
    a = chainrule.tensor(X, requires_grad=True)
    b = chainrule.tensor(W, requires_grad=True)
    t = b * 1.0  # a non-leaf we may change in place
    y = a * t if side == "left" else t * a
    t.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_second_backward_raises_only_where_values_were_saved_like_torch():
    for lib in (chainrule, torch):
        a = lib.tensor(X, requires_grad=True)
        y = (a * a).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        z = (a + 1.0).sum()  # saves nothing: a second pass is allowed
        z.backward()
        z.backward()
        np.testing.assert_allclose(a.grad.numpy(), 2 * X + 2.0)  # 2a + 1 + 1
