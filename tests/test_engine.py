"""The autograd engine and grad modes, checked against PyTorch.

Wherever PyTorch defines the behaviour, the same computation runs on both libraries and the
results must agree; elsewhere the expected values come from closed forms worked by hand.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import chainrule
from torchpair import pair, same

# --- graph shapes


def test_diamond_graph_sums_both_paths():
    def f(lib, x):
        a = x * 3
        b = x.exp()
        return (a * b).sum()

    cx, tx = pair([0.5, -1.0, 2.0])
    f(chainrule, cx).backward()
    f(torch, tx).backward()
    same(cx.grad, tx.grad, rtol=1e-5)
    # by hand: d/dx (3x e^x) = 3 e^x (1 + x)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(cx.grad.numpy(), 3 * np.exp(x) * (1 + x), rtol=1e-5)


def test_tensor_used_twice_in_one_op():
    cx, tx = pair([1.0, -2.0, 3.0])
    ((cx * cx).sum() + (cx + cx).sum()).backward()
    ((tx * tx).sum() + (tx + tx).sum()).backward()
    same(cx.grad, tx.grad)
    np.testing.assert_allclose(cx.grad.numpy(), [4.0, -2.0, 8.0])


def test_gradient_accumulates_across_two_backward_calls():
    cx, tx = pair([1.0, 2.0])
    for lib_x in (cx, tx):
        (lib_x * 2).sum().backward()
        (lib_x * 3).sum().backward()
    same(cx.grad, tx.grad)
    np.testing.assert_allclose(cx.grad.numpy(), [5.0, 5.0])


def test_accumulation_is_in_place_like_torch():
    """PyTorch adds the second gradient into the existing .grad tensor: a reference taken
    before the second backward is the same object and sees the sum."""
    cx, tx = pair([1.0, 2.0])
    refs = []
    for lib_x in (cx, tx):
        (lib_x * 2).sum().backward()
        refs.append(lib_x.grad)
        (lib_x * 3).sum().backward()
    c_ref, t_ref = refs
    assert t_ref is tx.grad
    assert c_ref is cx.grad
    same(c_ref, t_ref)


def test_engine_unbroadcasts_gradients_to_input_shapes():
    for sa, sb in [
        ((3, 1), (4,)),
        ((2, 3, 4), (4,)),
        ((1,), (2, 3)),
        ((), (2, 2)),
        ((2, 1, 3), (5, 1)),
    ]:
        rng = np.random.default_rng(0)
        a_np, b_np = rng.standard_normal(sa), rng.standard_normal(sb)
        ca, ta = pair(a_np)
        cb, tb = pair(b_np)
        g = rng.standard_normal(np.broadcast_shapes(sa, sb)).astype(np.float32)
        (ca * cb).backward(chainrule.tensor(g))
        (ta * tb).backward(torch.tensor(g))
        assert ca.grad.shape == sa and cb.grad.shape == sb
        same(ca.grad, ta.grad, rtol=1e-5, atol=1e-6)
        same(cb.grad, tb.grad, rtol=1e-5, atol=1e-6)


# --- dtypes


def test_gradients_stay_float32_with_python_and_numpy_float64_scalars():
    cx, tx = pair([1.0, 2.0])
    for lib_x in (cx, tx):
        y = lib_x * 2.5 + np.float64(3.0) * lib_x - lib_x / np.float64(4.0)
        y = y * np.float64(1.5)
        assert "float32" in str(y.dtype)
        y.sum().backward()
    assert cx.grad.dtype == chainrule.float32
    same(cx.grad, tx.grad)


def test_float32_times_0d_float64_tensor_keeps_each_grad_dtype():
    cx, tx = pair([1.0, 2.0])
    cs, ts = pair(3.0, dtype="float64")
    cy, ty = cx * cs, tx * ts
    assert str(cy.dtype) == "chainrule.float32" and ty.dtype == torch.float32
    cy.sum().backward()
    ty.sum().backward()
    same(cx.grad, tx.grad)
    same(cs.grad, ts.grad)


# --- aliasing


def test_leaves_never_share_a_gradient_array_after_add():
    cx, _ = pair([1.0, 2.0])
    cy, _ = pair([3.0, 4.0])
    (cx + cy).sum().backward()
    cx.grad.numpy()[0] = 100.0
    np.testing.assert_allclose(cy.grad.numpy(), [1.0, 1.0])
    assert not np.shares_memory(cx.grad.numpy(), cy.grad.numpy())


def test_sum_broadcast_gradient_is_a_writable_array_of_its_own():
    cx, _ = pair([1.0, 2.0, 3.0])
    cx.sum().backward()
    g = cx.grad.numpy()
    g[0] = 5.0  # a stride-0 broadcast view would refuse this or change every element
    np.testing.assert_allclose(cx.grad.numpy(), [5.0, 1.0, 1.0])


def test_backward_gradient_argument_is_not_aliased():
    v = chainrule.tensor([1.0, 1.0])
    cx, _ = pair([1.0, 2.0])
    cy, _ = pair([3.0, 4.0])
    (cx + cy).backward(v)
    v.numpy()[:] = 7.0
    np.testing.assert_allclose(cx.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(cy.grad.numpy(), [1.0, 1.0])
    cx.grad.numpy()[:] = 9.0
    np.testing.assert_allclose(cy.grad.numpy(), [1.0, 1.0])


def test_backward_on_leaf_with_gradient_does_not_alias_it():
    v = chainrule.tensor([2.0, 3.0])
    cx, _ = pair([1.0, 2.0])
    cx.backward(v)
    v.numpy()[:] = 0.0
    np.testing.assert_allclose(cx.grad.numpy(), [2.0, 3.0])


def test_second_accumulation_does_not_write_into_the_seed():
    """The tutorial's bug: ``self.grad = grad`` then ``self.grad += grad`` adds into the
    upstream array; a second backward must not change the gradient argument it was given."""
    for make in (lambda x: x, lambda x: x + 0.0, lambda x: x * 1):
        v = chainrule.tensor([1.0, 1.0])
        cx, _ = pair([1.0, 2.0])
        make(cx).backward(v)
        make(cx).backward(v)
        np.testing.assert_allclose(v.numpy(), [1.0, 1.0])
        np.testing.assert_allclose(cx.grad.numpy(), [2.0, 2.0])


# --- grad modes


def test_no_grad_results_do_not_require_grad():
    cx, _ = pair([1.0, 2.0])
    with chainrule.no_grad():
        assert not chainrule.is_grad_enabled()
        y = cx * 2
    assert chainrule.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    cx, _ = pair([1.0, 2.0])
    with chainrule.no_grad():
        with chainrule.enable_grad():
            y = cx * 2
        z = cx * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad


@pytest.mark.parametrize("bare", [False, True], ids=["called", "bare"])
def test_no_grad_as_decorator(bare):
    def double(x):
        assert not chainrule.is_grad_enabled()
        return x * 2

    deco = chainrule.no_grad if bare else chainrule.no_grad()
    double = deco(double)
    cx, _ = pair([1.0])
    y = double(cx)
    assert not y.requires_grad
    assert chainrule.is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_as_decorator():
    @chainrule.enable_grad()
    def double(x):
        return x * 2

    cx, _ = pair([1.0])
    with chainrule.no_grad():
        y = double(cx)
        assert not chainrule.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_as_context_manager_and_decorator():
    cx, _ = pair([1.0])
    with chainrule.set_grad_enabled(False):
        assert not (cx * 2).requires_grad
    assert chainrule.is_grad_enabled()

    @chainrule.set_grad_enabled(False)
    def double(x):
        return x * 2

    assert chainrule.is_grad_enabled()  # decorating does not switch the mode
    assert not double(cx).requires_grad
    assert chainrule.is_grad_enabled()


def test_set_grad_enabled_as_plain_call():
    cx, _ = pair([1.0])
    try:
        chainrule.set_grad_enabled(False)
        assert not chainrule.is_grad_enabled()
        assert not (cx * 2).requires_grad
    finally:
        chainrule.set_grad_enabled(True)
    assert chainrule.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["start"] = chainrule.is_grad_enabled()
        chainrule.set_grad_enabled(False)  # must not leak into the main thread

    with chainrule.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not chainrule.is_grad_enabled()
    assert seen["start"] is True
    assert chainrule.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with chainrule.no_grad():
            raise ValueError
    assert chainrule.is_grad_enabled()


# --- retain_graph


def test_second_backward_without_retain_graph_raises():
    cx, tx = pair([1.0, 2.0])
    for lib_x in (cx, tx):
        y = (lib_x * lib_x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()


def test_retain_graph_allows_second_backward_and_accumulates():
    cx, tx = pair([1.0, 2.0])
    for lib_x in (cx, tx):
        y = (lib_x * lib_x).sum()
        y.backward(retain_graph=True)
        y.backward()
    same(cx.grad, tx.grad)
    np.testing.assert_allclose(cx.grad.numpy(), [4.0, 8.0])


def test_graph_that_saved_nothing_can_backward_twice():
    """PyTorch only complains when freed saved tensors are needed: x + y saves none."""
    cx, tx = pair([1.0, 2.0])
    cy, ty = pair([3.0, 4.0])
    for a, b in ((cx, cy), (tx, ty)):
        z = (a + b).sum()
        z.backward()
        z.backward()
    same(cx.grad, tx.grad)
    same(cy.grad, ty.grad)


def test_100k_op_chain_backpropagates():
    n = 100_000
    x = chainrule.tensor(1.0, dtype=chainrule.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001**n, rtol=1e-8)


def test_100k_tanh_chain_backpropagates():
    n = 100_000
    x = chainrule.tensor(0.5, dtype=chainrule.float64, requires_grad=True)
    y, values = x, []
    for _ in range(n):
        values.append(y.item())
        y = y.tanh()
    y.backward()
    # d/dx of tanh^n(x) = prod over the chain of (1 - tanh(v)^2) at each step's input v
    expected = np.prod(1 - np.tanh(np.array(values)) ** 2)
    np.testing.assert_allclose(x.grad.item(), expected, rtol=1e-8)


# --- backward errors


def test_non_scalar_backward_needs_gradient():
    cx, tx = pair([1.0, 2.0])
    for lib_x in (cx, tx):
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
            (lib_x * 2).backward()


def test_backward_gradient_of_wrong_shape_raises():
    cx, tx = pair([1.0, 2.0])
    with pytest.raises(RuntimeError):
        (tx * 2).backward(torch.ones(3))
    with pytest.raises(RuntimeError, match="[Ss]hape"):
        (cx * 2).backward(chainrule.tensor([1.0, 1.0, 1.0]))


def test_backward_on_tensor_not_requiring_grad_raises():
    cx, tx = pair([1.0, 2.0], requires_grad=False)
    for lib_x in (cx, tx):
        with pytest.raises(RuntimeError, match="does not require grad"):
            (lib_x * 2).sum().backward()


def test_one_element_non_scalar_backward_is_allowed():
    cx, tx = pair([[3.0]])
    (cx * cx).backward()
    (tx * tx).backward()
    same(cx.grad, tx.grad)


# --- autograd.grad


def test_autograd_grad_returns_tuple_and_leaves_dot_grad_alone():
    cx, tx = pair([1.0, 2.0])
    (cg,) = chainrule.autograd.grad((cx**3).sum(), cx)
    tg = torch.autograd.grad((tx**3).sum(), tx)[0]
    res = chainrule.autograd.grad((cx**3).sum(), [cx])
    assert isinstance(res, tuple) and len(res) == 1
    same(cg, tg, rtol=1e-6)
    assert cx.grad is None
    assert not cg.requires_grad


def test_autograd_grad_unused_input_raises_unless_allowed():
    cx, _ = pair([1.0, 2.0])
    cw, _ = pair([5.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        chainrule.autograd.grad((cx * 2).sum(), [cx, cw])
    gx, gw = chainrule.autograd.grad((cx * 2).sum(), [cx, cw], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])
    assert gw is None


def test_autograd_grad_input_not_requiring_grad_raises():
    cx, _ = pair([1.0, 2.0])
    c = chainrule.tensor([1.0, 1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        chainrule.autograd.grad((cx * c).sum(), [c])


def test_autograd_grad_wrt_non_leaf():
    cx, tx = pair([1.0, -2.0, 0.5])
    results = []
    for lib, lib_x in ((chainrule, cx), (torch, tx)):
        y = lib_x * 2
        z = (y**2 * lib_x).sum()
        results.append(lib.autograd.grad(z, [y, lib_x]))
    for c, t in zip(*results):
        same(c, t, rtol=1e-6)


def test_autograd_grad_multiple_outputs_with_grad_outputs():
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal(3)
    ga, gb = rng.standard_normal(3), rng.standard_normal(())
    cx, tx = pair(x_np)
    c_res = chainrule.autograd.grad(
        [cx.exp(), (cx * cx).sum()],
        cx,
        grad_outputs=[
            chainrule.tensor(ga, dtype=chainrule.float32),
            chainrule.tensor(gb, dtype=chainrule.float32),
        ],
    )
    t_res = torch.autograd.grad(
        [tx.exp(), (tx * tx).sum()],
        tx,
        grad_outputs=[torch.tensor(ga, dtype=torch.float32), torch.tensor(gb, dtype=torch.float32)],
    )
    same(c_res[0], t_res[0], rtol=1e-5)


# --- higher order


def test_hessian_vector_product_matches_torch():
    rng = np.random.default_rng(0)
    x_np, v_np = rng.standard_normal(4), rng.standard_normal(4)
    cx, tx = pair(x_np, dtype="float64")
    results = []
    for lib, x in ((chainrule, cx), (torch, tx)):
        v = lib.tensor(v_np)
        f = (x**3).sum() + (x.tanh() * x).sum() + x.sum() ** 2 + (x.exp() / (1 + x * x)).sum()
        (g,) = lib.autograd.grad(f, x, create_graph=True)
        assert g.requires_grad
        (hv,) = lib.autograd.grad((g * v).sum(), x)
        results.append(hv)
    same(*results, rtol=1e-10)


def test_gradient_penalty_matches_torch():
    rng = np.random.default_rng(1)
    x_np, w_np = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))
    cx, tx = pair(x_np, dtype="float64")
    cw, tw = pair(w_np, dtype="float64")
    for lib, x, w in ((chainrule, cx, cw), (torch, tx, tw)):
        out = (x @ w).tanh().sigmoid().sum()
        (g,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = (g**2).sum()
        penalty.backward()
    same(cw.grad, tw.grad, rtol=1e-9)
    same(cx.grad, tx.grad, rtol=1e-9)


def test_third_derivative_of_x_to_the_fourth():
    x = chainrule.tensor([0.5, -2.0, 3.0], dtype=chainrule.float64, requires_grad=True)
    (d1,) = chainrule.autograd.grad((x**4).sum(), x, create_graph=True)
    (d2,) = chainrule.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = chainrule.autograd.grad(d2.sum(), x)
    xs = np.array([0.5, -2.0, 3.0])
    np.testing.assert_allclose(d1.detach().numpy(), 4 * xs**3)
    np.testing.assert_allclose(d2.detach().numpy(), 12 * xs**2)
    np.testing.assert_allclose(d3.numpy(), 24 * xs)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_with_create_graph_makes_grad_differentiable():
    cx, tx = pair([1.0, 2.0], dtype="float64")
    for x in (cx, tx):
        (x**3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        g.sum().backward()
    same(cx.grad, tx.grad)
    np.testing.assert_allclose(cx.grad.numpy(), [6.0, 12.0])


# --- retain_grad, hooks, inputs


def test_retain_grad_on_non_leaf():
    cx, tx = pair([1.0, 2.0])
    ys = []
    for x in (cx, tx):
        y = x * 3
        y.retain_grad()
        (y * y).sum().backward()
        ys.append(y)
    same(ys[0].grad, ys[1].grad)


def test_non_leaf_grad_is_none_without_retain_grad():
    cx, _ = pair([1.0, 2.0])
    y = cx * 3
    (y * y).sum().backward()
    assert y.grad is None
    assert not y.is_leaf and cx.is_leaf


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_register_hook_sees_and_replaces_grad(leaf):
    cx, tx = pair([1.0, -2.0])
    seen, grads = [], []
    for x in (cx, tx):
        target = x if leaf else x * 3
        target.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
        target.register_hook(lambda g: g * 10)
        (target * target).sum().backward()
        grads.append(x.grad)
    np.testing.assert_allclose(seen[0], seen[1])
    same(*grads)


def test_hook_handle_remove():
    cx, tx = pair([1.0, -2.0])
    for x in (cx, tx):
        handle = x.register_hook(lambda g: g * 10)
        handle.remove()
        (x * x).sum().backward()
    same(cx.grad, tx.grad)
    np.testing.assert_allclose(cx.grad.numpy(), [2.0, -4.0])


def test_backward_inputs_only_accumulates_into_those():
    cx, tx = pair([1.0, 2.0])
    cy, ty = pair([3.0, 4.0])
    for x, y in ((cx, cy), (tx, ty)):
        (x * y).sum().backward(inputs=[x])
    same(cx.grad, tx.grad)
    assert cy.grad is None and ty.grad is None


# --- in-place and versions


def test_inplace_on_saved_output_raises_instead_of_wrong_gradient():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        y = x.exp()
        y += 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_on_saved_input_raises_instead_of_wrong_gradient():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        y = x * 2
        z = y * y
        y += 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_inplace_on_unsaved_non_leaf_backprops_like_torch():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        y = x * 2
        y += x  # nothing saved y: allowed, and the graph now includes the add
        (y * 3).sum().backward()
    same(cx.grad, tx.grad)


def test_inplace_on_leaf_requiring_grad_raises():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
            x += 1


def test_inplace_on_leaf_inside_no_grad_works():
    cx, tx = pair([1.0, 2.0])
    for lib, x in ((chainrule, cx), (torch, tx)):
        with lib.no_grad():
            x -= 0.5 * x
        assert x.is_leaf and x.requires_grad and x.grad_fn is None
    same(cx, tx)


# --- more hooks, retained grads and outputs


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
def test_hooks_run_once_on_the_summed_gradient(leaf):
    calls = []
    for lib in (chainrule, torch):
        seen = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        target = x if leaf else x * 3
        target.register_hook(lambda g, seen=seen: seen.append(g.tolist()))
        (target * 2 + target * target).sum().backward()
        calls.append(seen)
    assert calls[0] == calls[1] and len(calls[0]) == 1


def test_register_hook_on_tensor_not_requiring_grad_raises():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.tensor([1.0]).register_hook(lambda g: g)


def test_retained_grad_accumulates_across_backward_calls():
    cx, tx = pair([1.0, 2.0])
    ys = []
    for x in (cx, tx):
        y = x * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        z.backward()
        ys.append(y.grad)
    same(*ys)


def test_backward_inputs_may_name_a_non_leaf():
    cx, tx = pair([1.0, 2.0])
    ys = []
    for x in (cx, tx):
        y = x * 2
        (y * y).sum().backward(inputs=[y])
        ys.append(y.grad)
    assert cx.grad is None and tx.grad is None
    same(*ys)


def test_inplace_through_detach_bumps_the_shared_version():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        z = x * x
        d = x.detach()
        d += 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_saved_output_changed_through_an_alias_made_after_the_save_raises():
    # the output's version cell is made only when the alias is (after the op saved it)
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        y = x.exp()  # saves its output
        alias = y.detach()
        alias.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_saved_output_of_a_multi_output_op_changed_in_place_raises():
    for lib in (chainrule, torch):
        x = lib.tensor([[3.0, 1.0], [0.5, 2.0]], requires_grad=True)
        values, _ = x.sort(dim=1)
        y = values.exp()
        y.add_(1)  # exp saved y
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_in_place_writes_to_unrelated_tensors_do_not_trip_saved_values():
    # every in-place write moves the global write count; only the saved tensors' own
    # cells decide
    cx, tx = pair([1.0, 2.0])
    cw, tw = pair([0.5, -1.0])
    for x, w in ((cx, cw), (tx, tw)):
        other = x.detach().clone()
        y = (x * w).exp()
        other.add_(1)
        w.data.mul_(1)  # .data: invisible to autograd, as in PyTorch
        y.sum().backward()
    same(cx.grad, tx.grad)
    same(cw.grad, tw.grad)


def test_retained_graph_sees_a_write_made_between_two_backward_passes():
    cx, tx = pair([1.0, 2.0])
    for x in (cx, tx):
        y = x * 2
        z = (y * y).sum()
        z.backward(retain_graph=True)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


def test_mixed_float64_and_float32_leaves_keep_their_grad_dtypes():
    c32, t32 = pair([1.0, 2.0])
    c64, t64 = pair([3.0, 4.0], dtype="float64")
    (c32 * c64).sum().backward()
    (t32 * t64).sum().backward()
    same(c32.grad, t32.grad)
    same(c64.grad, t64.grad)
