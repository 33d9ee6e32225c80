"""Convolutions: F.conv1d / conv2d / conv_transpose1d / conv_transpose2d and the Conv layers
against PyTorch from identical weights (values and gradients of input, weight and bias),
PyTorch's default initialisation, reprs, padding modes and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import chainrule
import chainrule.nn as cnn
import chainrule.nn.functional as CF
from nnpair import assert_close, assert_same_distribution, check_module

DTYPES = [np.float32, np.float64]


def _tol(dtype):
    # float32: BLAS and oneDNN sum in different orders
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)


def _functional_parity(name, x, w, b, dtype, **kwargs):
    rng = np.random.default_rng(1)
    arrays = [a.astype(dtype) for a in (x, w) + ((b,) if b is not None else ())]
    c_in = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    c_out = getattr(CF, name)(*c_in, **kwargs)
    t_out = getattr(TF, name)(*t_in, **kwargs)
    tol = _tol(dtype)
    assert_close(c_out, t_out, what="output", **tol)
    g = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    c_out.backward(chainrule.tensor(g))
    t_out.backward(torch.tensor(g))
    for i, (c, t) in enumerate(zip(c_in, t_in)):
        assert_close(c.grad, t.grad, what=f"grad of argument {i}", **tol)


# (kernel, keyword arguments) for 2-D convolutions of a (2, 4, 7, 8) input, 6 out channels
CONV2D = [
    (3, {}),
    (1, {}),
    (3, {"stride": 2, "padding": 1}),
    ((3, 2), {"stride": (2, 1), "padding": (1, 0)}),
    (3, {"padding": "same"}),
    (4, {"padding": "same"}),  # even kernel: the odd unit of padding goes at the end
    ((2, 5), {"padding": "same", "dilation": (3, 2)}),
    (3, {"padding": "valid", "dilation": 2}),
    (3, {"groups": 2, "padding": 1}),
    (3, {"groups": 2, "stride": 3, "dilation": (1, 2)}),
    (5, {"padding": 2, "stride": (1, 3)}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kernel,kwargs", CONV2D)
def test_conv2d_matches_torch(kernel, kwargs, bias, dtype):
    rng = np.random.default_rng(0)
    kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 4, 7, 8))
    w = rng.standard_normal((6, 4 // groups, kh, kw))
    b = rng.standard_normal(6) if bias else None
    _functional_parity("conv2d", x, w, b, dtype, **kwargs)


CONV1D = [
    (3, {}),
    (3, {"stride": 2, "padding": 1}),
    (4, {"padding": "same", "dilation": 3}),
    (5, {"groups": 2, "padding": "valid", "stride": 2}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,kwargs", CONV1D)
def test_conv1d_matches_torch(kernel, kwargs, dtype):
    rng = np.random.default_rng(0)
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((3, 4, 11))
    w = rng.standard_normal((6, 4 // groups, kernel))
    _functional_parity("conv1d", x, w, rng.standard_normal(6), dtype, **kwargs)


CONV_T2D = [
    (3, {}),
    (3, {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 3), {"stride": (3, 2), "padding": (1, 2), "output_padding": (2, 0)}),
    (3, {"dilation": 2, "output_padding": 1}),  # output_padding < dilation is allowed
    (3, {"groups": 2, "stride": 2}),
    (1, {"stride": 2, "groups": 2, "output_padding": 1}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kernel,kwargs", CONV_T2D)
def test_conv_transpose2d_matches_torch(kernel, kwargs, bias, dtype):
    rng = np.random.default_rng(0)
    kh, kw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    groups = kwargs.get("groups", 1)
    x = rng.standard_normal((2, 4, 5, 6))
    w = rng.standard_normal((4, 6 // groups, kh, kw))
    b = rng.standard_normal(6) if bias else None
    _functional_parity("conv_transpose2d", x, w, b, dtype, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose1d_matches_torch(dtype):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 7)), rng.standard_normal((4, 3, 3)), rng.standard_normal(6)
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    _functional_parity("conv_transpose1d", x, w, b, dtype, **kwargs)


@pytest.mark.parametrize(
    "name,x_shape,w_shape",
    [
        ("conv1d", (4, 9), (5, 4, 3)),
        ("conv2d", (4, 6, 7), (5, 4, 3, 2)),
        ("conv_transpose1d", (4, 9), (4, 5, 3)),
        ("conv_transpose2d", (4, 6, 7), (4, 5, 3, 2)),
    ],
)
def test_unbatched_inputs(name, x_shape, w_shape):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(5)
    _functional_parity(name, x, w, b, np.float64, stride=2)


def test_conv_output_owns_its_memory_for_1x1_kernels():
    # A 1x1, stride-1 unfold is a mere reshape; the columns must still be a copy.
    x = chainrule.tensor(np.ones((1, 2, 3, 3), np.float32))
    w = chainrule.tensor(np.ones((1, 2, 1, 1), np.float32))
    cols = CF.unfold(x, 1)
    y = CF.conv2d(x, w)
    with chainrule.no_grad():
        x.mul_(2)
    assert float(cols.sum()) == 18.0 and float(y.sum()) == 18.0


# ---------------------------------------------------------------- layers
MODULES = [
    ("Conv2d", (4, 6, 3), {}),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "bias": False}),
    ("Conv2d", (4, 6, 3), {"padding": "same", "dilation": 2, "groups": 2}),
    ("Conv2d", (4, 6, 4), {"padding": "same", "padding_mode": "reflect"}),
    ("Conv2d", (4, 6, 3), {"padding": 2, "padding_mode": "replicate", "stride": 2}),
    ("Conv2d", (4, 6, 3), {"padding": (1, 2), "padding_mode": "circular"}),
    ("Conv1d", (4, 6, 3), {}),
    ("Conv1d", (4, 6, 5), {"padding": "same", "padding_mode": "circular", "groups": 2}),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "padding_mode": "reflect", "bias": False}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("ConvTranspose2d", (4, 6, 2), {"groups": 2, "dilation": 2, "bias": False}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 3, "padding": 2}),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_conv_layers_match_torch(name, args, kwargs, dtype):
    torch.manual_seed(0)
    t_mod = getattr(tnn, name)(*args, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    c_mod = getattr(cnn, name)(*args, **kwargs, dtype=getattr(chainrule, np.dtype(dtype).name))
    spatial = (7, 8) if name.endswith("2d") else (9,)
    rng = np.random.default_rng(0)
    for shape in [(2, 4) + spatial, (4,) + spatial]:  # batched and unbatched
        x = rng.standard_normal(shape).astype(dtype)
        check_module(c_mod, t_mod, x, **_tol(dtype))
        c_mod.zero_grad()
        t_mod.zero_grad()
    assert list(c_mod.state_dict()) == list(t_mod.state_dict())
    assert repr(c_mod) == repr(t_mod)


def test_conv_transpose2d_output_size():
    torch.manual_seed(0)
    t_mod = tnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    c_mod = cnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    c_mod.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in t_mod.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 5)).astype(np.float32)
    for size in ([8, 10], [1, 2, 8, 9], (7, 9)):
        c_out = c_mod(chainrule.tensor(x), output_size=size)
        t_out = t_mod(torch.tensor(x), output_size=size)
        assert_close(c_out, t_out, **_tol(np.float32))
    _same_error(
        lambda: c_mod(chainrule.tensor(x), output_size=[10, 10]),
        lambda: t_mod(torch.tensor(x), output_size=[10, 10]),
    )


REPRS = [
    ("Conv2d", (3, 4, 3), {}),
    (
        "Conv2d",
        (3, 4, (3, 5)),
        {"stride": 2, "padding": 1, "dilation": 2, "bias": False, "padding_mode": "reflect"},
    ),
    ("Conv2d", (4, 4, 3), {"padding": "same", "groups": 2}),
    ("Conv1d", (3, 4, 3), {"padding": "valid"}),
    ("ConvTranspose2d", (3, 4, 3), {"stride": 2, "output_padding": 1, "dilation": 2}),
    ("ConvTranspose1d", (4, 4, 3), {"groups": 4, "bias": False}),
    ("Unfold", ((2, 3),), {"dilation": 2, "padding": 1, "stride": 2}),
    ("Fold", ((4, 5), 2), {}),
]


@pytest.mark.parametrize("name,args,kwargs", REPRS)
def test_repr_is_torchs(name, args, kwargs):
    assert repr(getattr(cnn, name)(*args, **kwargs)) == repr(getattr(tnn, name)(*args, **kwargs))


@pytest.mark.parametrize(
    "name,args",
    [
        ("Conv2d", (16, 32, 3)),  # fan_in 144
        ("Conv1d", (5, 600, 7)),  # fan_in 35
        ("ConvTranspose2d", (32, 16, 3)),  # fan_in = out_channels * k * k = 144
        ("Conv2d", (8, 3000, 1, 1, 0, 1, 4)),  # bias: 3000 values, fan_in = 8/4
        ("ConvTranspose1d", (2, 3000, 1)),  # bias: fan_in = out_channels * k = 3000
    ],
)
def test_default_init_has_torchs_distribution(name, args):
    torch.manual_seed(0)
    chainrule.manual_seed(0)
    t_mod, c_mod = getattr(tnn, name)(*args), getattr(cnn, name)(*args)
    assert_same_distribution(c_mod.weight.detach().numpy(), t_mod.weight.detach().numpy())
    if t_mod.bias.numel() >= 500:
        assert_same_distribution(c_mod.bias.detach().numpy(), t_mod.bias.detach().numpy())
    # the bounds themselves: every value inside torch's support
    bound = float(t_mod.weight.detach().abs().max()) * 1.05
    assert float(c_mod.weight.abs().max()) <= bound


# ---------------------------------------------------------------- errors
def _same_error(c_fn, t_fn):
    with pytest.raises(Exception) as t_err:
        t_fn()
    with pytest.raises(Exception) as c_err:
        c_fn()
    assert type(c_err.value) is type(t_err.value), (c_err.value, t_err.value)
    return str(c_err.value)


X = np.zeros((2, 3, 8, 8), np.float32)
W = np.zeros((4, 3, 3, 3), np.float32)

FUNCTIONAL_ERRORS = [
    ("conv2d", (X, np.zeros((4, 5, 3, 3), np.float32)), {}),  # channel mismatch
    ("conv2d", (np.zeros((2, 3), np.float32), W), {}),  # 2-D input
    ("conv2d", (X, W), {"stride": 2, "padding": "same"}),
    ("conv2d", (X, W), {"padding": "full"}),
    ("conv2d", (X, W), {"stride": 0}),
    ("conv2d", (X, W), {"padding": -1}),
    ("conv2d", (X, W), {"dilation": 0}),
    ("conv2d", (X, W), {"stride": (1, 1, 1)}),
    ("conv2d", (np.zeros((2, 3, 2, 2), np.float32), W), {}),  # kernel larger than input
    ("conv2d", (X, W), {"groups": 2}),
    ("conv2d", (X, np.zeros((4, 1, 3, 3), np.float32)), {"groups": 3}),  # 4 % 3 != 0
    ("conv2d", (X, W, np.zeros(3, np.float32)), {}),  # bias size
    ("conv2d", (X.astype(np.float64), W), {}),  # dtype mismatch
    ("conv2d", (X, W, np.zeros(4, np.float64)), {}),
    (
        "conv1d",
        (np.zeros((2, 3, 8), np.float32), np.zeros((4, 3, 3), np.float32)),
        {"stride": (1, 1)},
    ),
    ("conv_transpose2d", (X, np.zeros((3, 2, 3, 3), np.float32)), {"output_padding": 1}),
    (
        "conv_transpose2d",
        (X, np.zeros((3, 2, 3, 3), np.float32)),
        {"stride": 2, "output_padding": 2},
    ),
    ("conv_transpose2d", (X, np.zeros((4, 2, 3, 3), np.float32)), {}),  # channel mismatch
    ("conv_transpose2d", (X, np.zeros((3, 2, 3, 3), np.float32)), {"padding": "same"}),
]


@pytest.mark.parametrize("name,arrays,kwargs", FUNCTIONAL_ERRORS)
def test_functional_errors_match_torch(name, arrays, kwargs):
    message = _same_error(
        lambda: getattr(CF, name)(*[chainrule.tensor(a) for a in arrays], **kwargs),
        lambda: getattr(TF, name)(*[torch.tensor(a) for a in arrays], **kwargs),
    )
    assert message  # a sentence, not an empty error


MODULE_ERRORS = [
    ("Conv2d", (3, 4, 3), {"groups": 2}),
    ("Conv2d", (4, 3, 3), {"groups": 2}),
    ("Conv2d", (4, 4, 3), {"groups": 0}),
    ("Conv2d", (4, 4, 3), {"padding_mode": "mirror"}),
    ("Conv2d", (4, 4, 3), {"padding": "full"}),
    ("Conv2d", (4, 4, 3), {"stride": 2, "padding": "same"}),
    ("Conv1d", (4, 4, 3), {"stride": 2, "padding": "same"}),
    ("ConvTranspose2d", (4, 4, 3), {"padding_mode": "reflect"}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULE_ERRORS)
def test_layer_argument_errors_match_torch(name, args, kwargs):
    _same_error(
        lambda: getattr(cnn, name)(*args, **kwargs), lambda: getattr(tnn, name)(*args, **kwargs)
    )
