"""Linear, Bilinear, Identity, Flatten, Unflatten, nn.init and nn.utils against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn as nn
from nnpair import assert_close, assert_same_distribution, check_module

RNG = np.random.default_rng(0)


def randn(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- layers
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(dtype, shape, bias):
    tdt = getattr(torch, dtype)
    c = nn.Linear(3, 4, bias=bias, dtype=getattr(chainrule, dtype))
    t = torch.nn.Linear(3, 4, bias=bias, dtype=tdt)
    check_module(c, t, randn(*shape, dtype=dtype))


@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_bilinear_matches_torch(shape):
    c, t = nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4)
    check_module(c, t, randn(*shape, 3), randn(*shape, 2))


def test_identity_flatten_unflatten_match_torch():
    x = randn(2, 3, 4, 5)
    check_module(nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1), x)
    check_module(nn.Flatten(), torch.nn.Flatten(), x)
    check_module(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), x)
    check_module(nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), x)


def test_linear_shape_error_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"2x5 and 3x4"):
        nn.Linear(3, 4)(chainrule.zeros(2, 5))
    with pytest.raises(RuntimeError):
        torch.nn.Linear(3, 4)(torch.zeros(2, 5))


def test_sequential_and_containers_match_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2))

    c, t = build(chainrule), build(torch)
    check_module(c, t, randn(7, 3))
    assert isinstance(c[0], nn.Linear) and isinstance(c[-1], nn.Linear)
    assert len(c[1:]) == 2 and c[1:][1] is c[2]
    c.append(nn.Identity())
    t.append(torch.nn.Identity())
    assert repr(c) == repr(t)
    del c[1]
    del t[1]
    assert list(c.state_dict()) == list(t.state_dict())
    with pytest.raises(IndexError):
        c[10]

    cl = nn.ModuleList([nn.Linear(1, 1)])
    cl += [nn.Linear(1, 2)]
    cl.insert(0, nn.Identity())
    assert [type(m).__name__ for m in cl] == ["Identity", "Linear", "Linear"]
    assert list(cl.state_dict()) == ["1.weight", "1.bias", "2.weight", "2.bias"]
    cd = nn.ModuleDict({"b": nn.Linear(1, 1)})
    cd["a"] = nn.Identity()
    assert list(cd) == ["b", "a"] and "a" in cd and len(cd) == 2
    assert list(cd.state_dict()) == ["b.weight", "b.bias"]


# ---------------------------------------------------------------- default initialisation
@pytest.mark.parametrize(
    "make,bound",
    [
        (lambda lib: lib.nn.Linear(64, 50), 1 / 8),  # U(-1/sqrt(in), 1/sqrt(in))
        (lambda lib: lib.nn.Linear(7, 600), 1 / math.sqrt(7)),
        (lambda lib: lib.nn.Bilinear(8, 5, 60), 1 / math.sqrt(8)),
    ],
)
def test_default_init_has_torch_distribution(make, bound):
    chainrule.manual_seed(1)
    torch.manual_seed(1)
    c, t = make(chainrule), make(torch)
    for (name, cp), (_, tp) in zip(c.named_parameters(), t.named_parameters()):
        assert_same_distribution(cp.detach().numpy(), tp.detach().numpy())
        assert float(cp.detach().abs().max()) <= bound, name


INIT_CASES = [
    ("uniform_", dict(a=-0.5, b=2.0)),
    ("normal_", dict(mean=1.0, std=0.3)),
    ("trunc_normal_", dict(mean=0.5, std=1.0, a=-0.5, b=1.5)),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", dict()),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict(nonlinearity="tanh")),
    ("orthogonal_", dict(gain=1.5)),
]


@pytest.mark.parametrize("shape", [(60, 40, 3), (120, 50)])
@pytest.mark.parametrize("fn,kwargs", INIT_CASES)
def test_init_functions_have_torch_distribution(fn, kwargs, shape):
    chainrule.manual_seed(3)
    torch.manual_seed(3)
    c = getattr(nn.init, fn)(nn.Parameter(chainrule.empty(*shape)), **kwargs)
    t = getattr(torch.nn.init, fn)(torch.empty(*shape), **kwargs)
    assert isinstance(c, nn.Parameter) and c.requires_grad  # in place, returns the tensor
    assert_same_distribution(c.detach().numpy(), t.numpy())


@pytest.mark.parametrize("shape", [(4, 9), (9, 4), (3, 2, 5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    w = nn.init.orthogonal_(chainrule.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = w @ w.T if shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-5)


def test_deterministic_init_functions():
    for fn, args in [("constant_", (0.25,)), ("ones_", ()), ("zeros_", ()), ("eye_", ())]:
        c = getattr(nn.init, fn)(chainrule.empty(3, 4), *args)
        t = getattr(torch.nn.init, fn)(torch.empty(3, 4), *args)
        assert_close(c, t)


@pytest.mark.parametrize(
    "args",
    [
        ("linear",),
        ("conv2d",),
        ("sigmoid",),
        ("tanh",),
        ("relu",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("selu",),
    ],
)
def test_calculate_gain_matches_torch(args):
    assert nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_init_errors_match_torch():
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib.nn.init.xavier_uniform_(lib.empty(5))
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
            lib.nn.init.eye_(lib.empty(2, 2, 2))
        with pytest.raises(ValueError, match="Unsupported nonlinearity"):
            lib.nn.init.calculate_gain("swish")
        with pytest.raises(ValueError, match="Mode fan_middle not supported"):
            lib.nn.init.kaiming_uniform_(lib.empty(2, 2), mode="fan_middle")


def test_init_is_reproducible_with_manual_seed():
    chainrule.manual_seed(7)
    a = nn.Linear(5, 5).weight.detach().numpy()
    chainrule.manual_seed(7)
    b = nn.Linear(5, 5).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- nn.utils
def _grads_pair(scale=1.0):
    grads = [randn(3, 4) * scale, randn(4) * scale, randn(2, 2) * scale]
    cps, tps = [], []
    for g in grads:
        cp, tp = nn.Parameter(chainrule.zeros(*g.shape)), torch.nn.Parameter(torch.zeros(g.shape))
        cp.grad, tp.grad = chainrule.tensor(g.copy()), torch.tensor(g.copy())
        cps.append(cp)
        tps.append(tp)
    return cps, tps


@pytest.mark.parametrize(
    "max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, float("inf")), (2.0, 3.0)]
)
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    cps, tps = _grads_pair()
    cn = nn.utils.clip_grad_norm_(cps, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
    assert_close(cn, tn)
    for cp, tp in zip(cps, tps):
        assert_close(cp.grad, tp.grad)


def test_clip_grad_norm_nonfinite_error():
    cps, _ = _grads_pair()
    cps[0].grad[0, 0] = float("inf")
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(cps, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    cps, tps = _grads_pair(scale=3.0)
    nn.utils.clip_grad_value_(cps, 1.5)
    torch.nn.utils.clip_grad_value_(tps, 1.5)
    for cp, tp in zip(cps, tps):
        assert_close(cp.grad, tp.grad)


def test_parameters_to_vector_and_back():
    c = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    c.load_state_dict({k: chainrule.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    vc = nn.utils.parameters_to_vector(c.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_close(vc, vt)
    vc.sum().backward()  # differentiable: every parameter gets a gradient of ones
    assert all(bool((p.grad == 1).all()) for p in c.parameters())
    new = randn(vt.numel())
    nn.utils.vector_to_parameters(chainrule.tensor(new), c.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t.parameters())
    for (n, cp), (_, tp) in zip(c.named_parameters(), t.named_parameters()):
        assert_close(cp, tp, what=n)
    with pytest.raises(RuntimeError, match="elements"):
        nn.utils.vector_to_parameters(chainrule.zeros(3), c.parameters())


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 5, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_second_derivatives(shape, bias):
    """F.linear is one fused op; its backward is itself differentiable."""
    import chainrule.nn.functional as F

    rng = np.random.default_rng(1)
    x = chainrule.tensor(rng.standard_normal(shape), requires_grad=True)
    w = chainrule.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal(2), requires_grad=True) if bias else None
    inputs = (x, w, b) if bias else (x, w)
    fn = lambda *a: F.linear(*a).tanh()  # noqa: E731  (tanh: a nonzero second derivative)
    assert chainrule.autograd.gradcheck(fn, inputs)
    assert chainrule.autograd.gradgradcheck(fn, inputs)
    assert type(F.linear(x, w, b).grad_fn).__name__ == "LinearBackward0"
