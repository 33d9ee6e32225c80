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


# --------------------------------------------------------------- apply_ternary (issue 6)
# nn.Linear's op and the fused MSE loss are recorded by ``apply_ternary``, not by
# ``Function.apply``: the node each records must be the one ``apply`` records.
def _linear_inputs(x_kind, w_grad, b_kind):
    x = chainrule.tensor(X, requires_grad=x_kind != "constant")
    if x_kind == "non-leaf":
        x = x * 1.0
    w = chainrule.tensor(np.linspace(-0.4, 0.9, 9).reshape(3, 3), requires_grad=w_grad)
    b = None
    if b_kind != "none":
        b = chainrule.tensor(np.array([0.1, -0.2, 0.3]), requires_grad=b_kind == "grad")
    return x, w, b


def _record(node):
    return (
        node.needs_input_grad,
        tuple(type(t) for t in node._next),
        node._meta,
        tuple(s if s is None or type(s) is int else id(s) for s in node._saved_src or ()),
        len(node._saved or ()),
    )


@pytest.mark.parametrize("x_kind", ["leaf", "non-leaf", "constant"])
@pytest.mark.parametrize("w_grad", [True, False])
@pytest.mark.parametrize("b_kind", ["grad", "no-grad", "none"])
def test_linear_fast_path_records_the_node_apply_records(x_kind, w_grad, b_kind):
    from chainrule.ops.linear import Linear

    x, w, b = _linear_inputs(x_kind, w_grad, b_kind)
    fast = chainrule.nn.functional.linear(x, w, b)
    general = Linear.apply(x, w, b)
    np.testing.assert_array_equal(fast.detach().numpy(), general.detach().numpy())
    assert fast.requires_grad == general.requires_grad
    if general.grad_fn is None:
        assert fast.grad_fn is None
        return
    assert type(fast.grad_fn) is type(general.grad_fn)
    assert _record(fast.grad_fn) == _record(general.grad_fn)


def test_mse_fast_path_records_the_node_apply_records():
    from chainrule.ops.loss import MseLoss

    p = chainrule.tensor(X, requires_grad=True) * 2.0
    t = chainrule.tensor(W)
    fast = chainrule.nn.functional.mse_loss(p, t)
    general = MseLoss.apply(p, t, "mean")
    assert type(fast.grad_fn) is type(general.grad_fn)
    assert _record(fast.grad_fn) == _record(general.grad_fn)


def test_cross_entropy_fast_path_records_the_node_apply_records():
    from chainrule.ops.loss import CrossEntropy

    logits = chainrule.tensor(X, requires_grad=True) * 2.0
    targets = np.array([2, 0])  # an array, not a Tensor: a constant of the node
    fast = chainrule.nn.functional.cross_entropy(logits, chainrule.tensor(targets))
    general = CrossEntropy.apply(logits, targets, "mean")
    assert type(fast.grad_fn) is type(general.grad_fn)
    assert _record(fast.grad_fn) == _record(general.grad_fn)
    assert fast.grad_fn._saved_src[0] is logits  # the logits, read by a recorded backward


@pytest.mark.parametrize("changed", ["input", "weight"])
def test_in_place_change_of_a_value_linear_saved_is_caught_like_torch(changed):
    for lib in (chainrule, torch):
        x = lib.tensor(X, requires_grad=True) * 1.0
        w = lib.tensor(np.linspace(-0.4, 0.9, 9).reshape(3, 3), requires_grad=True) * 1.0
        y = lib.nn.functional.linear(x, w, None)
        (x if changed == "input" else w).add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_double_backward_through_the_linear_fast_path_matches_torch():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(X, requires_grad=True)
        w = lib.tensor(np.linspace(-0.4, 0.9, 9).reshape(3, 3), requires_grad=True)
        b = lib.tensor(np.array([0.1, -0.2, 0.3]), requires_grad=True)
        y = lib.nn.functional.linear(x, w, b).tanh()
        gx, gw = lib.autograd.grad(y.sum(), (x, w), create_graph=True)
        (ggw,) = lib.autograd.grad((gx * gx).sum() + (gw * gw).sum(), w)
        results.append((gx.detach().numpy(), gw.detach().numpy(), ggw.numpy()))
    for p, q in zip(*results):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "args",
    ["bias_array", "bias_list", "bias_float", "weight_array", "input_list"],
)
def test_linear_refuses_non_tensor_arguments_with_torchs_message(args):
    messages = []
    for lib in (chainrule, torch):
        x, w = lib.tensor(X), lib.tensor(np.ones((4, 3)))
        call = {
            "bias_array": (x, w, np.zeros(4)),
            "bias_list": (x, w, [0.0] * 4),
            "bias_float": (x, w, 1.0),
            "weight_array": (x, np.ones((4, 3))),
            "input_list": ([1.0, 2.0, 3.0], w),
        }[args]
        with pytest.raises(TypeError) as info:
            lib.nn.functional.linear(*call)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_a_gradient_of_another_byte_order_is_brought_to_the_input_dtype():
    # the engine compares dtypes by identity first: one that differs (here big-endian)
    # must still be converted, to the input's own dtype
    class Swapped(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return (g.numpy() * 2.0).astype(">f4")  # an array: a Tensor cannot hold it

    x = chainrule.tensor(X.astype(np.float32), requires_grad=True)
    Swapped.apply(x * 1.0).sum().backward()
    assert x.grad.numpy().dtype == np.dtype(np.float32)
    assert x.grad.numpy().dtype.isnative
    np.testing.assert_array_equal(x.grad.numpy(), np.full(X.shape, 2.0, np.float32))


@pytest.mark.parametrize("pick", ["values", "second_output"])
def test_loss_backward_from_an_op_with_several_outputs_matches_torch(pick):
    # loss.backward() starts a one-output root without the heap; a root that is one of
    # several outputs (max's values, or the second half of a split) takes the heap
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, -1.5, 2.0, 0.25], requires_grad=True)
        if pick == "values":
            loss = (x * 2.0).max(dim=0)[0]
        else:
            loss = (x * 2.0).split(3)[1]  # one element, output 1 of the split
        loss.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])
