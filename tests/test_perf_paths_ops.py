"""The fast paths of issue 6 in the engine and the core ops give PyTorch's numbers.

Each test targets one shortcut taken for speed and would fail if the shortcut changed a
result: ReLU's masked backward on large arrays (and its fallback around NaN and inf), the
filled gradient of a full sum, the creation-order heap that orders the backward pass, the
direct operator methods (``x ** 2``, ``a @ b``, ``.relu()``, ``.sum()``), and sigmoid's
formula at the float limits.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule


def _grads(fn, *arrays, seed=None):
    """Run ``fn(lib, *leaves)`` in chainrule and torch; return both outputs and grads."""
    out = []
    for lib in (chainrule, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *leaves)
        if seed is None:
            y.sum().backward()
        else:
            y.backward(lib.tensor(seed))
        out.append((y.detach().numpy(), [t.grad.numpy() for t in leaves]))
    return out


def _same(results, rtol=1e-6, atol=1e-7):
    (yc, gc), (yt, gt) = results
    np.testing.assert_allclose(yc, yt, rtol=rtol, atol=atol, equal_nan=True)
    for a, b in zip(gc, gt):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("case", ["finite", "nan_and_inf_inputs", "inf_and_nan_gradients"])
@pytest.mark.parametrize("shape", [(8, 8), (64, 64)], ids=["select", "mask"])
def test_relu_backward_matches_torch_on_both_paths(case, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0] = 0.0  # the kink: gradient 0, as in PyTorch
    g = rng.standard_normal(shape).astype(np.float32)
    if case == "nan_and_inf_inputs":
        x[1, 1], x[2, 2], x[3, 3] = np.nan, np.inf, -np.inf
    if case == "inf_and_nan_gradients":  # where y == 0 they must give 0, elsewhere pass
        g[0, 0] = np.inf
        dead = np.argwhere(x < 0)[:2]
        g[tuple(dead[0])], g[tuple(dead[1])] = -np.inf, np.nan
        live = np.argwhere(x > 0)[0]
        g[tuple(live)] = np.inf
    _same(_grads(lambda lib, a: a.relu(), x, seed=g))


@pytest.mark.parametrize("x_order", ["C", "F"])
@pytest.mark.parametrize("g_order", ["C", "F"])
def test_relu_mask_path_finds_nan_and_inf_in_any_memory_layout(x_order, g_order):
    # the check behind the masked backward reads y and g * mask flat, in memory order
    rng = np.random.default_rng(4)
    x = rng.standard_normal((48, 40)).astype(np.float32)
    g = rng.standard_normal((48, 40)).astype(np.float32)
    x[3, 5] = np.nan  # g must pass here
    dead = np.argwhere(x < 0)
    g[tuple(dead[0])] = np.inf  # 0 must come out here, not nan
    g[tuple(dead[-1])] = np.nan
    x, g = np.asarray(x, order=x_order), np.asarray(g, order=g_order)
    _same(_grads(lambda lib, a: a.relu(), x, seed=g))


@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (2, 3, 5)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_full_sum_gradient_is_filled_like_torch(shape, keepdim):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    _same(_grads(lambda lib, a: (a * 3.0).sum(dim=None, keepdim=keepdim) * 2.0, x))


def test_full_sum_gradient_is_a_fresh_array_per_leaf():
    x = chainrule.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    x.sum().backward()
    g = x.grad.numpy()
    assert g.flags.writeable and g.base is None
    g += 1  # owned: changing it touches nothing else
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0, np.float32))


def test_backward_order_on_a_graph_with_shared_and_late_consumers():
    # y feeds nodes created long after it; every consumer must deliver before y's node runs
    def fn(lib, x, w):
        y = x * w
        a = y.sin()
        b = y * y
        c = (a + b).tanh()
        d = c * y + a
        e = d.exp() * b.sigmoid()
        return e + y + c

    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4)).astype(np.float64)
    w = rng.standard_normal((3, 4)).astype(np.float64)
    _same(_grads(fn, x, w), rtol=1e-12, atol=1e-12)


def test_backward_order_across_two_separately_built_graphs_summed_late():
    # nodes of the first graph are older than everything in the second
    def fn(lib, x):
        first = (x * 2.0).tanh()
        second = (x.exp() * 0.5).sin()
        return first * second + first

    x = np.linspace(-1, 1, 7)
    _same(_grads(fn, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_operator_methods_match_torch(dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 5)).astype(dtype)
    b = rng.standard_normal((5, 3)).astype(dtype)
    _same(_grads(lambda lib, p, q: ((p**2) @ q).relu() ** 3, a, b), rtol=1e-5, atol=1e-6)


def test_pow_of_integer_tensors_still_takes_the_checked_path():
    for lib in (chainrule, torch):
        x = lib.tensor([1, 2, 3])
        assert (x**2).dtype == lib.int64
        with pytest.raises(RuntimeError, match="negative integer powers"):
            x**-1


def test_matmul_method_still_explains_a_shape_mismatch():
    a = chainrule.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 2x3\)"):
        a @ chainrule.ones(2, 3)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_at_the_float_limits_matches_torch(dtype):
    x = np.array([-1e4, -100.0, -88.0, -30.0, -1.0, 0.0, 2.5, 30.0, 1e4], dtype=dtype)
    c = chainrule.tensor(x).sigmoid().numpy()
    t = torch.tensor(x).sigmoid().numpy()
    assert c.dtype == t.dtype
    np.testing.assert_allclose(c, t, rtol=2e-3 if dtype == "float16" else 1e-6, atol=0)


def test_linear_forward_follows_a_weight_replaced_by_a_plain_attribute_like_torch():
    # Linear.forward reads its registry directly (speed); the attribute route still works
    outs = []
    for lib in (chainrule, torch):
        layer = lib.nn.Linear(3, 2)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3)))
            layer.bias.zero_()
        del layer.weight
        layer.weight = lib.tensor(np.ones((2, 3), np.float32)) * 2.0
        outs.append(layer(lib.tensor([[1.0, 2.0, 3.0]])).detach().numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], [[12.0, 12.0]])


# ops/_consts: formula constants as 0-d arrays of the operand's dtype instead of Python
# numbers. The expected values are NumPy's own with Python numbers, the formulas of each
# op's docstring: the shortcut must change neither a bit nor a dtype.
CONST_DTYPES = ["float16", "float32", "float64"]


def _sigmoid_numpy(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("dtype", CONST_DTYPES)
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_formula_constants_give_the_bits_and_dtype_of_python_numbers(name, dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((5, 7)) * 4).astype(dtype)
    x[0, :3] = 0  # relu's kink: gradient 0 at x == 0
    g = rng.standard_normal((5, 7)).astype(dtype)
    if name == "sigmoid":
        y = _sigmoid_numpy(x.astype("float32")).astype(dtype) if dtype == "float16" else None
        y = _sigmoid_numpy(x) if y is None else y
        dx = g * y * (1 - y)
    elif name == "tanh":
        y = np.tanh(x)
        dx = g * (1 - y * y)
    else:
        y = np.maximum(x, 0)
        dx = np.where(y <= 0, 0.0, g)
    t = chainrule.tensor(x, requires_grad=True)
    out = getattr(chainrule, name)(t)
    out.backward(chainrule.tensor(g))
    assert out.detach().numpy().dtype == y.dtype
    np.testing.assert_array_equal(out.detach().numpy(), y)
    assert t.grad.numpy().dtype == dx.dtype
    np.testing.assert_array_equal(t.grad.numpy(), dx)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_formula_constants_in_a_recorded_backward_match_torch(name):
    """create_graph: the same formulas run on Tensors (ONE[dtype] is then the number 1);
    the weight makes relu's first derivative depend on something that requires grad."""
    x0 = np.array([[-1.5, 0.25, 2.0], [0.5, -0.75, 3.0]], dtype="float32")
    w0 = np.array([[0.5, -2.0, 1.5], [1.0, 0.25, -1.0]], dtype="float32")
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(w0, requires_grad=True)
        (gx,) = lib.autograd.grad((getattr(lib, name)(x) * w).sum(), x, create_graph=True)
        ggx, ggw = lib.autograd.grad((gx * gx).sum(), (x, w), allow_unused=True)
        ggx = np.zeros_like(x0) if ggx is None else ggx.numpy()  # relu: None in chainrule
        results.append((gx.detach().numpy(), ggx, ggw.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_formula_constants_are_read_only_0d_arrays_per_dtype():
    from chainrule.ops._consts import ONE, ZERO

    one = ONE[np.dtype("float32")]
    assert one.shape == () and one.dtype == np.float32 and one == 1
    assert ONE[np.dtype("float32")] is one  # made once
    with pytest.raises(ValueError):
        one[...] = 2  # shared by every call: never writable
    assert ZERO[np.dtype("int8")].dtype == np.int8
    assert ONE[chainrule.float32] == 1 and type(ONE[chainrule.float32]) is int
