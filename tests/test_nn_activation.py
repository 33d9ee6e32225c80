"""Activations: nn.functional and the modules against PyTorch (values, gradients, kinks,
extreme inputs, in-place forms, reprs), plus gradcheck/gradgradcheck on the fused ops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import chainrule
import chainrule.nn as cnn
import chainrule.nn.functional as CF
from chainrule.autograd import gradcheck, gradgradcheck
from nnpair import assert_close, check_module

# name -> (positional args, keyword args), the same for both libraries
FUNCTIONS = {
    "relu": ((), {}),
    "relu6": ((), {}),
    "leaky_relu": ((0.2,), {}),
    "elu": ((), {"alpha": 1.5}),
    "selu": ((), {}),
    "celu": ((), {"alpha": 2.0}),
    "gelu": ((), {}),
    "gelu_tanh": ((), {"approximate": "tanh"}),
    "silu": ((), {}),
    "sigmoid": ((), {}),
    "tanh": ((), {}),
    "softplus": ((), {}),
    "softplus_beta": ((), {"beta": 2.0, "threshold": 5.0}),
    "logsigmoid": ((), {}),
    "hardtanh": ((), {"min_val": -2.0, "max_val": 1.5}),
    "hardsigmoid": ((), {}),
    "hardswish": ((), {}),
    "mish": ((), {}),
    "threshold": ((0.5, -3.0), {}),
    "softmax": ((), {"dim": -1}),
    "log_softmax": ((), {"dim": 0}),
    "softmin": ((), {"dim": 0}),
}

# The kinks of every piecewise activation, and extreme magnitudes.
SPECIAL = [-1e4, -1e3, -100.0, -30.0, -20.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0]
SPECIAL += [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 6.0, 10.0, 20.0, 30.0, 100.0, 1e3, 1e4]


def _fn(lib, name):
    return getattr(lib, name.replace("_tanh", "").replace("_beta", ""))


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-10)


def _parity(name, x_np, dtype):
    args, kwargs = FUNCTIONS[name]
    cx = chainrule.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    cy = _fn(CF, name)(cx, *args, **kwargs)
    ty = _fn(TF, name)(tx, *args, **kwargs)
    assert_close(cy, ty, what=f"{name} value", **_tol(dtype))
    g = np.random.default_rng(0).standard_normal(x_np.shape).astype(dtype)
    cy.backward(chainrule.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(cx.grad, tx.grad, what=f"{name} grad", **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5)])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_functional_parity_random(name, shape, dtype):
    x = np.random.default_rng(hash(shape) % 100).standard_normal(shape) * 3
    _parity(name, x.astype(dtype), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_functional_parity_kinks_and_extremes(name, dtype):
    # Exact kinks and |x| up to 1e4: finite, PyTorch's values and one-sided gradients, and
    # no NumPy warning (pytest turns RuntimeWarning into an error).
    x = np.array(SPECIAL, dtype=dtype)
    if name.startswith(("softmax", "log_softmax", "softmin")):
        x = x.reshape(2, -1)
    _parity(name, x, dtype)


@pytest.mark.parametrize("name", ["softplus", "logsigmoid", "mish", "silu", "gelu", "elu"])
def test_extremes_are_finite_and_exact(name):
    x = chainrule.tensor([-1e4, 1e4], requires_grad=True)
    y = getattr(CF, name)(x)
    assert np.isfinite(y.detach().numpy()).all()
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    t = getattr(TF, name)(torch.tensor([-1e4, 1e4]))
    np.testing.assert_array_equal(y.detach().numpy(), t.numpy())


def test_prelu_functional_parity():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4))
    w = np.array([0.1, -0.5, 2.0])
    cx, cw = (chainrule.tensor(v, requires_grad=True) for v in (x, w))
    tx, tw = (torch.tensor(v, requires_grad=True) for v in (x, w))
    cy, ty = CF.prelu(cx, cw), TF.prelu(tx, tw)
    assert_close(cy, ty)
    cy.sum().backward()
    ty.sum().backward()
    assert_close(cx.grad, tx.grad)
    assert_close(cw.grad, tw.grad)
    one = np.array([0.3])
    assert_close(
        CF.prelu(chainrule.tensor(x), chainrule.tensor(one)), TF.prelu(tx, torch.tensor(one))
    )


# ---------------------------------------------------------------- modules
MODULES = [
    ("ReLU", (), {}),
    ("ReLU6", (), {}),
    ("LeakyReLU", (0.1,), {}),
    ("ELU", (), {"alpha": 0.7}),
    ("SELU", (), {}),
    ("CELU", (2.0,), {}),  # PyTorch rounds 1 / alpha to float32: keep it exact here
    ("GELU", (), {}),
    ("GELU", ("tanh",), {}),
    ("SiLU", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Softplus", (), {"beta": 0.5, "threshold": 3.0}),
    ("Softmax", (), {"dim": 1}),
    ("LogSoftmax", (1,), {}),
    ("Softmin", (), {"dim": -1}),
    ("LogSigmoid", (), {}),
    ("Hardtanh", (-0.5, 0.5), {}),
    ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Mish", (), {}),
    ("PReLU", (), {}),
    ("PReLU", (3,), {"init": 0.1}),
    ("Threshold", (0.1, 20.0), {}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", MODULES, ids=lambda s: f"{s[0]}{s[1]}")
def test_module_parity(spec, dtype):
    name, args, kwargs = spec
    c_mod, t_mod = getattr(cnn, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)
    if dtype == np.float64:
        c_mod.double()
        t_mod.double()
    x = (np.random.default_rng(3).standard_normal((4, 3, 5)) * 4).astype(dtype)
    check_module(c_mod, t_mod, x, **_tol(dtype))
    check_module(c_mod, t_mod, x[:, :, 0].copy(), **_tol(dtype))


REPRS = MODULES + [
    ("ReLU", (True,), {}),
    ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (0.2, True), {}),
    ("ELU", (2.0, True), {}),
    ("CELU", (1.3,), {"inplace": True}),
    ("SELU", (True,), {}),
    ("SiLU", (True,), {}),
    ("Mish", (True,), {}),
    ("Hardswish", (True,), {}),
    ("Hardsigmoid", (True,), {}),
    ("Hardtanh", (-2, 2, True), {}),
    ("Softplus", (2, 10), {}),
    ("Softmax", (), {}),
    ("Threshold", (1, 2, True), {}),
]


@pytest.mark.parametrize("spec", REPRS, ids=lambda s: f"{s[0]}{s[1]}{s[2]}")
def test_repr_matches_torch(spec):
    name, args, kwargs = spec
    assert repr(getattr(cnn, name)(*args, **kwargs)) == repr(getattr(tnn, name)(*args, **kwargs))


def test_prelu_init_and_state_dict():
    c_mod, t_mod = cnn.PReLU(4, init=0.3), tnn.PReLU(4, init=0.3)
    assert list(c_mod.state_dict()) == list(t_mod.state_dict()) == ["weight"]
    np.testing.assert_array_equal(c_mod.weight.detach().numpy(), t_mod.weight.detach().numpy())
    np.testing.assert_array_equal(cnn.PReLU().weight.detach().numpy(), [0.25])


# ---------------------------------------------------------------- in place
INPLACE = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "hardtanh"]
INPLACE += ["hardsigmoid", "hardswish", "mish"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_input_and_differentiates(name):
    x = np.random.default_rng(5).standard_normal((3, 4)) * 3
    cl, tl = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ch, th = cl * 1.5, tl * 1.5  # non-leaves may be changed in place
    cy = getattr(CF, name)(ch, inplace=True)
    ty = getattr(TF, name)(th, inplace=True)
    assert cy is ch
    assert_close(ch, th)
    (cy * cy).sum().backward()
    (ty * ty).sum().backward()
    assert_close(cl.grad, tl.grad)


def test_inplace_on_leaf_requiring_grad_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="leaf"):
        TF.relu(torch.ones(2, requires_grad=True), inplace=True)
    with pytest.raises(RuntimeError, match="leaf"):
        CF.relu(chainrule.ones(2, requires_grad=True), inplace=True)


def test_underscore_functions_and_threshold_inplace():
    x = np.linspace(-2, 2, 9)
    for name, args in [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.3,))]:
        c, t = chainrule.tensor(x), torch.tensor(x)
        assert getattr(CF, name)(c, *args) is c
        getattr(TF, name)(t, *args)
        assert_close(c, t)
    c, t = chainrule.tensor(x), torch.tensor(x)
    CF.threshold_(c, 0.5, 9.0)
    TF.threshold_(t, 0.5, 9.0)
    assert_close(c, t)


# ---------------------------------------------------------------- gradcheck
GRADCHECK = ["leaky_relu", "elu", "celu", "gelu", "gelu_tanh", "silu", "softplus_beta"]
GRADCHECK += ["logsigmoid", "hardswish", "hardsigmoid", "hardtanh", "mish", "softmin"]


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_and_gradgradcheck(name):
    args, kwargs = FUNCTIONS[name]
    # away from the kinks (finite differences cannot straddle them)
    x = chainrule.tensor(
        [[-4.2, -2.5, -0.7, 0.3], [1.1, 2.2, 3.7, 6.5]], dtype=chainrule.float64, requires_grad=True
    )
    fn = _fn(CF, name)
    assert gradcheck(lambda t: fn(t, *args, **kwargs), (x,))
    assert gradgradcheck(lambda t: fn(t, *args, **kwargs), (x,))


def test_second_derivatives_match_torch():
    x = np.array([-2.5, -0.3, 0.4, 1.7, 4.0])
    for name in ["gelu", "gelu_tanh", "mish", "silu", "elu", "softplus", "logsigmoid"]:
        args, kwargs = FUNCTIONS[name]
        cx, tx = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (cg,) = chainrule.autograd.grad(
            _fn(CF, name)(cx, *args, **kwargs).sum(), cx, create_graph=True
        )
        (tg,) = torch.autograd.grad(_fn(TF, name)(tx, *args, **kwargs).sum(), tx, create_graph=True)
        (cgg,) = chainrule.autograd.grad(cg.sum(), cx)
        (tgg,) = torch.autograd.grad(tg.sum(), tx)
        assert_close(cgg, tgg, rtol=1e-7, atol=1e-10, what=name)


@pytest.mark.parametrize("name", ["elu", "selu", "celu"])
def test_elu_family_at_zero_nan_and_inf_matches_torch_to_second_order(name):
    """PyTorch takes the negative branch's slope at x == 0 but differentiates it as a
    constant there (second derivative 0), and the positive branch at NaN."""
    x = np.array([0.0, -0.0, -1e-8, 1e-8, np.nan, np.inf, -np.inf, -2.0, 3.0])
    results = []
    for lib, F in ((chainrule, CF), (torch, TF)):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(getattr(F, name)(t).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), t)
        results.append((g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_hardswish_at_its_joins_nan_and_inf_matches_torch_without_warnings():
    """PyTorch's branches: 0 up to -3 included, the middle below 3, g from 3 on and at
    NaN; -inf gives NaN (-inf * 0) with no NumPy warning (pytest makes it an error)."""
    x = np.array([-3.0, 3.0, np.nan, np.inf, -np.inf, -2.9, 2.9, -1e30, 1e30])
    results = []
    for lib, F in ((chainrule, CF), (torch, TF)):
        t = lib.tensor(x, requires_grad=True)
        y = F.hardswish(t)
        y.sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)


def test_prelu_gradcheck():
    x = chainrule.tensor(np.array([[-1.5, 0.7, -0.2], [2.0, -3.0, 0.4]]), requires_grad=True)
    w = chainrule.tensor(np.array([0.2, -0.1, 0.5]), requires_grad=True)
    assert gradcheck(CF.prelu, (x, w))


# ---------------------------------------------------------------- errors and warnings
@pytest.mark.parametrize(
    "name", ["gelu", "silu", "leaky_relu", "elu", "softplus", "logsigmoid", "mish", "hardswish"]
)
def test_integer_input_refused_like_torch(name):
    with pytest.raises(NotImplementedError):
        getattr(TF, name)(torch.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=name):
        getattr(CF, name)(chainrule.tensor([1, 2]))


def test_integer_input_kept_where_torch_keeps_it():
    x = [-3, 1, 9]
    for name in ["relu", "relu6", "hardtanh"]:
        assert_close(getattr(CF, name)(chainrule.tensor(x)), getattr(TF, name)(torch.tensor(x)))
    assert_close(CF.sigmoid(chainrule.tensor(x)), TF.sigmoid(torch.tensor(x)))


def test_errors():
    with pytest.raises(RuntimeError, match="approximate"):
        CF.gelu(chainrule.ones(2), approximate="erf")
    with pytest.raises(RuntimeError, match="parameter numbers = 4 and channel size = 3"):
        CF.prelu(chainrule.ones(2, 3), chainrule.ones(4))
    with pytest.raises(RuntimeError, match="1D"):
        CF.prelu(chainrule.ones(2, 3), chainrule.ones(3, 1))
    with pytest.raises(AssertionError):
        tnn.Hardtanh(1.0, -1.0)
    with pytest.raises(AssertionError, match="max_val"):
        cnn.Hardtanh(1.0, -1.0)
    with pytest.raises(TypeError):
        CF.relu([1.0, 2.0])


def test_implicit_softmax_dim_warns_and_matches_torch():
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    for name in ["softmax", "log_softmax", "softmin"]:
        with pytest.warns(UserWarning, match="Implicit dimension"):
            c = getattr(CF, name)(chainrule.tensor(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = getattr(TF, name)(torch.tensor(x))
        assert_close(c, t)
