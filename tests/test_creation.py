"""Tensor factories and random numbers against PyTorch.

Deterministic factories are compared value for value. Random ones cannot be: chainrule draws
with NumPy's PCG64, PyTorch with its Mersenne Twister. They are checked for what a user relies
on: shapes, dtypes, ranges, moments of the distribution, and the same numbers for the same
seed (in this process and in a fresh one).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule
from torchpair import same


def both(fn):
    return fn(chainrule), fn(torch)


def assert_same(fn, **tol):
    c, t = both(fn)
    same(c, t, **tol)
    assert c.requires_grad == t.requires_grad


@pytest.fixture
def float64_default():
    chainrule.set_default_dtype(chainrule.float64)
    torch.set_default_dtype(torch.float64)
    yield
    chainrule.set_default_dtype(chainrule.float32)
    torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------- constant factories
SIZES = [(2, 3), ((2, 3),), ([2, 3],), ((),), (0, 4), (1,), ((4, 0, 1),)]


@pytest.mark.parametrize("name", ["zeros", "ones"])
@pytest.mark.parametrize("size", SIZES, ids=[str(s) for s in SIZES])
def test_zeros_ones_accept_varargs_and_sequences(name, size):
    assert_same(lambda lib: getattr(lib, name)(*size))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("dtype", ["float16", "float64", "int32", "int64", "bool", "uint8"])
def test_factories_take_a_dtype(name, dtype):
    c, t = both(lambda lib: getattr(lib, name)(2, 3, dtype=getattr(lib, dtype)))
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == (2, 3)


def test_size_keyword_like_torch():
    for lib in (chainrule, torch):
        for make in (lib.zeros, lib.ones, lib.empty, lib.rand, lib.randn):
            assert tuple(make(size=(2, 3)).shape) == (2, 3)
        assert tuple(lib.ones(1).new_zeros(size=(4,)).shape) == (4,)
        with pytest.raises(TypeError):
            lib.rand()


def test_size_from_a_shape_and_from_zero_d_tensors():
    x = chainrule.ones(2, 3)
    assert chainrule.zeros(x.shape).shape == (2, 3)
    assert chainrule.ones(chainrule.tensor(2), 3).shape == (2, 3)


def test_requires_grad_keyword():
    for lib in (chainrule, torch):
        x = lib.zeros(2, requires_grad=True)
        assert x.requires_grad and x.is_leaf
        with pytest.raises(RuntimeError, match="floating point"):
            lib.zeros(2, dtype=lib.int64, requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            lib.arange(3, requires_grad=True)


def test_default_dtype_is_followed(float64_default):
    for fn in (
        lambda lib: lib.zeros(2),
        lambda lib: lib.full((2,), 1.5),
        lambda lib: lib.arange(0.0, 2.0),
        lambda lib: lib.linspace(0, 1, 3),
        lambda lib: lib.eye(2),
        lambda lib: lib.rand(2),
        lambda lib: lib.randn(2),
    ):
        c, t = both(fn)
        assert c.dtype == chainrule.float64 and t.dtype == torch.float64


@pytest.mark.parametrize(
    "value", [True, 3, 2.5, np.float64(2.5), np.int32(3), -0.0], ids=lambda v: repr(v)
)
def test_full_infers_the_dtype_from_the_value(value):
    assert_same(lambda lib: lib.full((2, 2), value))
    assert_same(lambda lib: lib.full((2,), value, dtype=lib.float64))


def test_full_with_a_zero_d_tensor_value():
    assert_same(lambda lib: lib.full((3,), lib.tensor(2.0)))


@pytest.mark.parametrize("args", [(3,), (2, 4), (0,), (3, 0), (1, 5)])
def test_eye(args):
    assert_same(lambda lib: lib.eye(*args))
    assert_same(lambda lib: lib.eye(*args, dtype=lib.int64))


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((5,), {}),
        ((5.0,), {}),
        ((1, 4, 0.5), {}),
        ((0, 1, 0.1), {}),
        ((-3.3, 7.9, 0.37), {}),
        ((5, 0, -1), {}),
        ((10, -2.5, -1.5), {}),
        ((0, 5, 2), {"dtype": "float64"}),
        ((0.5, 3), {"dtype": "int64"}),
        ((1, 1), {}),
        ((10**17, 10**17 + 5, 2), {}),
        ((np.int64(3),), {}),
        ((0, 1, 0.3), {"dtype": "float16"}),
    ],
)
def test_arange_like_torch(args, kwargs):
    def fn(lib):
        kw = {k: getattr(lib, v) for k, v in kwargs.items()}
        return lib.arange(*args, **kw)

    assert_same(fn, rtol=1e-6, atol=1e-6)


def test_arange_from_zero_d_tensors():
    assert_same(lambda lib: lib.arange(lib.tensor(3)))
    assert_same(lambda lib: lib.arange(lib.tensor(1.0), lib.tensor(3)))


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((0, 1, 5), {}),
        ((-2.5, 7, 11), {}),
        ((1, 0, 4), {}),
        ((0, 1, 1), {}),
        ((0, 1, 0), {}),
        ((0, 10, 5), {"dtype": "int64"}),
        ((-7.9, 3.3, 9), {"dtype": "int32"}),
        ((0, 1, 100), {"dtype": "float64"}),
        ((0, 1, 7), {"dtype": "float16"}),
    ],
)
def test_linspace_like_torch(args, kwargs):
    def fn(lib):
        kw = {k: getattr(lib, v) for k, v in kwargs.items()}
        return lib.linspace(*args, **kw)

    assert_same(fn, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.arange(0, 5, 0),
        lambda lib: lib.arange(5, 0, 1),
        lambda lib: lib.arange(0, float("inf")),
        lambda lib: lib.linspace(0, 1, -1),
        lambda lib: lib.eye(-1),
        lambda lib: lib.eye(2, -3),
        lambda lib: lib.zeros(2, -1),
        lambda lib: lib.ones((3, -2)),
        lambda lib: lib.randint(5, 2, (3,)),
        lambda lib: lib.normal(0.0, -1.0, (2,)),
        lambda lib: lib.normal(lib.zeros(3), lib.ones(4)),
    ],
    ids=[
        "arange_step0",
        "arange_sign",
        "arange_inf",
        "linspace_neg",
        "eye_neg",
        "eye_neg_m",
        "zeros_neg",
        "ones_neg_tuple",
        "randint_empty",
        "normal_neg_std",
        "normal_shapes",
    ],
)
def test_runtime_errors_like_torch(fn):
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError):
            fn(lib)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.zeros(),
        lambda lib: lib.zeros(2.0),
        lambda lib: lib.full(2, 3.0),
        lambda lib: lib.randint(5, 3),
        lambda lib: lib.from_numpy([1, 2]),
        lambda lib: lib.from_numpy(np.array(["a"])),
    ],
    ids=["zeros_no_size", "zeros_float", "full_int_size", "randint_int_size", "list", "str"],
)
def test_type_errors_like_torch(fn):
    for lib in (chainrule, torch):
        with pytest.raises(TypeError):
            fn(lib)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.rand(2, dtype=lib.int64),
        lambda lib: lib.randn(2, dtype=lib.int32),
        lambda lib: lib.rand_like(lib.ones(2, dtype=lib.int64)),
        lambda lib: lib.arange(0, 3, dtype=lib.bool),
    ],
    ids=["rand_int", "randn_int", "rand_like_int", "arange_bool"],
)
def test_not_implemented_dtypes_like_torch(fn):
    for lib in (chainrule, torch):
        with pytest.raises(NotImplementedError):
            fn(lib)


def test_unsupported_devices_are_refused():
    for make in (lambda: chainrule.zeros(2, device="cuda"), lambda: chainrule.ones(1).to("cuda")):
        with pytest.raises(RuntimeError, match="cuda"):
            make()
    assert chainrule.zeros(2, device="cpu").shape == (2,)


# ---------------------------------------------------------------- *_like
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_like_factories_keep_shape_and_dtype(dtype):
    def src(lib):
        return lib.ones(2, 3, dtype=getattr(lib, dtype))

    assert_same(lambda lib: lib.zeros_like(src(lib)))
    assert_same(lambda lib: lib.ones_like(src(lib)))
    assert_same(lambda lib: lib.full_like(src(lib), 2.7))
    assert_same(lambda lib: lib.full_like(src(lib), 2, dtype=lib.float16))
    c, t = both(lambda lib: lib.empty_like(src(lib)))
    assert c.shape == tuple(t.shape) and str(c.dtype)[10:] == str(t.dtype)[6:]


def test_like_factories_do_not_inherit_requires_grad():
    for lib in (chainrule, torch):
        x = lib.ones(2, requires_grad=True)
        assert not lib.zeros_like(x).requires_grad
        assert lib.ones_like(x, requires_grad=True).requires_grad
        assert lib.randn_like(x).dtype == lib.float32


def test_new_factories_follow_self():
    for lib in (chainrule, torch):
        x = lib.ones(2, dtype=lib.float64)
        assert x.new_zeros(2, 3).dtype == lib.float64 and x.new_zeros((2, 3)).shape == (2, 3)
        assert x.new_ones(1).tolist() == [1.0]
        assert x.new_full((2,), 3).tolist() == [3.0, 3.0]
        assert x.new_empty(0).shape == (0,)
        assert x.new_tensor([1, 2]).dtype == lib.float64
        assert x.new_zeros(2, dtype=lib.int64).dtype == lib.int64


# ---------------------------------------------------------------- from_numpy, as_tensor
@pytest.mark.parametrize(
    "dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
)
def test_from_numpy_keeps_dtype_and_shares_memory(dtype):
    arr = np.arange(6).reshape(2, 3).astype(dtype)
    c, t = chainrule.from_numpy(arr), torch.from_numpy(arr)
    same(c, t)
    arr[0, 0] = 1  # the array's change shows in the tensor
    assert c[0, 0].item() == t[0, 0].item() == arr[0, 0]
    c.zero_()  # and the tensor's in the array
    assert not arr.any()


def test_from_numpy_of_a_strided_view_shares_memory():
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2]
    c = chainrule.from_numpy(view)
    c.mul_(10)
    assert base[1, 2] == 60.0 and base[1, 1] == 5.0


def test_as_tensor_copies_only_when_it_must():
    arr = np.arange(3.0)
    c = chainrule.as_tensor(arr)
    assert np.shares_memory(c.numpy(), arr) and c.dtype == chainrule.float64
    converted = chainrule.as_tensor(arr, dtype=chainrule.float32)
    assert not np.shares_memory(converted.numpy(), arr)
    x = chainrule.ones(2, requires_grad=True)
    assert chainrule.as_tensor(x) is x and chainrule.as_tensor(x, dtype=chainrule.float32) is x
    y = chainrule.as_tensor(x, dtype=chainrule.float64)  # differentiable conversion
    assert y.dtype == chainrule.float64 and y.grad_fn is not None
    assert_same(lambda lib: lib.as_tensor([1, 2.5]))
    assert_same(lambda lib: lib.as_tensor([[1, 2]], dtype=lib.int32))
    assert_same(lambda lib: lib.as_tensor(np.arange(4, dtype=np.int32)))


# ---------------------------------------------------------------- generators and seeds
def test_manual_seed_repeats_the_stream():
    draws = []
    for _ in range(2):
        assert isinstance(chainrule.manual_seed(1234), chainrule.Generator)
        draws.append(
            (
                chainrule.rand(4),
                chainrule.randn(3, dtype=chainrule.float64),
                chainrule.randint(0, 10, (5,)),
                chainrule.randperm(6),
                chainrule.normal(0.0, 2.0, (3,)),
                chainrule.empty(3).normal_(),
                chainrule.empty(2).uniform_(),
            )
        )
    for a, b in zip(*draws):
        assert a.tolist() == b.tolist()
    chainrule.manual_seed(1235)
    assert chainrule.rand(4).tolist() != draws[0][0].tolist()


def test_same_seed_gives_the_same_numbers_in_a_fresh_process():
    code = (
        "import chainrule as c; c.manual_seed(42); print(c.rand(3).tolist(), c.randn(2).tolist())"
    )
    outs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert outs[0].stdout == outs[1].stdout and outs[0].stdout.strip()


def test_generator_objects_are_independent_of_the_default_one():
    g1 = chainrule.Generator().manual_seed(5)
    chainrule.manual_seed(0)
    a = chainrule.rand(3, generator=g1)
    chainrule.rand(10)  # the default stream moves; g1's does not care
    g2 = chainrule.Generator().manual_seed(5)
    assert a.tolist() == chainrule.rand(3, generator=g2).tolist()
    assert chainrule.Generator().initial_seed() == torch.Generator().initial_seed()


@pytest.mark.parametrize("seed", [0, 7, -1, -(2**63), 2**64 - 1])
def test_seed_values_like_torch(seed):
    assert (
        chainrule.manual_seed(seed).initial_seed()
        == torch.Generator().manual_seed(seed).initial_seed()
    )
    assert chainrule.initial_seed() == chainrule.default_generator.initial_seed()


def test_seed_out_of_range_raises():
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError):
            chainrule.manual_seed(bad)
        with pytest.raises((ValueError, RuntimeError)):
            torch.manual_seed(bad)


def test_get_and_set_state_restore_the_stream():
    g = chainrule.Generator().manual_seed(3)
    state = g.get_state()
    assert state.dtype == chainrule.uint8 and state.ndim == 1
    first = chainrule.randn(5, generator=g).tolist()
    g.set_state(state)
    assert chainrule.randn(5, generator=g).tolist() == first
    saved = chainrule.get_rng_state()
    a = chainrule.rand(4).tolist()
    chainrule.set_rng_state(saved)
    assert chainrule.rand(4).tolist() == a
    with pytest.raises(RuntimeError):
        g.set_state(chainrule.zeros(3))


def test_seed_reseeds_from_entropy():
    s = chainrule.seed()
    assert isinstance(s, int) and chainrule.initial_seed() == s
    g = chainrule.Generator()
    assert g.seed() == g.initial_seed()


# ---------------------------------------------------------------- distributions
N = 200_000


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rand_is_uniform_on_zero_one(dtype):
    chainrule.manual_seed(0)
    c, t = both(lambda lib: lib.rand(N, dtype=getattr(lib, dtype)))
    assert c.dtype == getattr(chainrule, dtype) and str(t.dtype) == f"torch.{dtype}"
    x = c.numpy().astype(np.float64)
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.005 and abs(x.var() - 1 / 12) < 0.002


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_randn_is_standard_normal(dtype):
    chainrule.manual_seed(1)
    x = chainrule.randn(N, dtype=getattr(chainrule, dtype)).numpy().astype(np.float64)
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    assert abs(np.mean(np.abs(x) < 1) - 0.6827) < 0.005  # the shape, not just 2 moments


def test_randint_forms_range_and_dtype():
    chainrule.manual_seed(2)
    for fn in (
        lambda lib: lib.randint(5, (1000,)),
        lambda lib: lib.randint(-3, 4, (10, 100)),
        lambda lib: lib.randint(low=1, high=3, size=(500,)),
        lambda lib: lib.randint(5, size=(2,), dtype=lib.float32),
        lambda lib: lib.randint(lib.tensor(6), (100,)),
    ):
        c, t = both(fn)
        assert c.shape == tuple(t.shape) and str(c.dtype)[10:] == str(t.dtype)[6:]
    x = chainrule.randint(-3, 4, (N,)).numpy()
    assert x.min() == -3 and x.max() == 3
    assert np.allclose(np.bincount(x + 3) / N, 1 / 7, atol=0.005)


def test_randperm_is_a_permutation():
    c, t = both(lambda lib: lib.randperm(50))
    assert sorted(c.tolist()) == list(range(50)) and c.dtype == chainrule.int64
    assert chainrule.randperm(0).shape == (0,)
    assert chainrule.randperm(4, dtype=chainrule.float32).dtype == chainrule.float32


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.normal(2.0, 3.0, (N,)),
        lambda lib: lib.normal(lib.full((N,), 2.0), 3.0),
        lambda lib: lib.normal(2.0, lib.full((N,), 3.0)),
        lambda lib: lib.normal(lib.full((N,), 2.0, dtype=lib.float64), lib.full((1,), 3.0)),
    ],
    ids=["numbers", "tensor_mean", "tensor_std", "broadcast_f64"],
)
def test_normal_forms(fn):
    chainrule.manual_seed(3)
    c, t = both(fn)
    assert c.shape == tuple(t.shape) and str(c.dtype)[10:] == str(t.dtype)[6:]
    x = c.numpy().astype(np.float64)
    assert abs(x.mean() - 2) < 0.03 and abs(x.std() - 3) < 0.03


def test_normal_broadcasts_mean_and_std_like_torch():
    c, t = both(lambda lib: lib.normal(lib.zeros(3), lib.ones(2, 3)))
    assert c.shape == tuple(t.shape) == (2, 3)


def test_normal_sample_has_zero_gradient_like_torch():
    grads = []
    for lib in (chainrule, torch):
        mean = lib.zeros(3, requires_grad=True)
        std = lib.ones(3, requires_grad=True)
        y = lib.normal(mean, std)
        assert y.requires_grad
        (y * 2).sum().backward()
        grads.append((mean.grad, std.grad))
    for c, t in zip(*grads):
        same(c, t)


def test_bernoulli():
    chainrule.manual_seed(4)
    p = chainrule.full((N,), 0.3)
    x = chainrule.bernoulli(p)
    assert x.dtype == chainrule.float32 and set(np.unique(x.numpy())) <= {0.0, 1.0}
    assert abs(x.numpy().mean() - 0.3) < 0.005
    assert abs(chainrule.bernoulli(chainrule.zeros(N), 0.8).numpy().mean() - 0.8) < 0.005


def test_exponential_fill_moments():
    chainrule.manual_seed(5)
    x = chainrule.empty(N, dtype=chainrule.float64).exponential_(4.0).numpy()
    assert x.min() >= 0 and abs(x.mean() - 0.25) < 0.003 and abs(x.std() - 0.25) < 0.003
    assert math.isclose(np.median(x), math.log(2) / 4, rel_tol=0.02)


def test_tensor_accepts_the_cpu_device_and_refuses_others():
    import chainrule as c

    assert c.tensor([1.0], device="cpu").tolist() == [1.0]
    with pytest.raises(RuntimeError, match="CPU"):
        c.tensor([1.0], device="cuda")
