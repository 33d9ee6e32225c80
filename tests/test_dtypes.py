"""dtypes against PyTorch: conversions, ``.to`` and ``.type`` forms, the default dtype, type
promotion of the arithmetic ops, and gradients that keep their tensor's dtype."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import chainrule
from parity import check_parity
from torchpair import same

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def name(dtype) -> str:
    return str(dtype).split(".")[-1]


def make(lib, dtype: str, zero_d: bool):
    """A tensor of ones-and-twos of ``dtype``: 0-d or of shape (2,)."""
    values = np.array(1 if zero_d else [1, 2]).astype(dtype)
    return lib.tensor(values)


# ---------------------------------------------------------------- conversions
CONVERSIONS = ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("method", CONVERSIONS)
@pytest.mark.parametrize("src", ["bool", "int64", "float32", "float64"])
def test_conversion_methods_like_torch(method, src):
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.array([0, 1.5, -2.7, 3]).astype(src))
        results.append(getattr(x, method)())
    same(*results)


def test_dtype_objects_and_attributes():
    for n in DTYPES:
        c, t = getattr(chainrule, n), getattr(torch, n)
        assert repr(c) == f"chainrule.{n}"
        assert c.is_floating_point == t.is_floating_point and c.is_signed == t.is_signed
        assert c.itemsize == t.itemsize
    assert chainrule.float is chainrule.float32 and chainrule.long is chainrule.int64


TO_FORMS = {
    "dtype": lambda lib, x: x.to(lib.float64),
    "dtype_kw": lambda lib, x: x.to(dtype=lib.int32),
    "device": lambda lib, x: x.to("cpu"),
    "device_dtype": lambda lib, x: x.to("cpu", lib.float16),
    "device_kw_dtype_kw": lambda lib, x: x.to(device="cpu", dtype=lib.float64),
    "other_tensor": lambda lib, x: x.to(lib.ones(1, dtype=lib.int64)),
    "copy": lambda lib, x: x.to(lib.float32, copy=True),
    "positional_copy": lambda lib, x: x.to(lib.float32, False, True),
    "python_type": lambda lib, x: x.to(float),
}


@pytest.mark.parametrize("form", list(TO_FORMS), ids=list(TO_FORMS))
def test_to_forms_like_torch(form):
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.5, -2.0])
        y = TO_FORMS[form](lib, x)
        results.append((y, y is x))
    same(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]  # a no-op returns the tensor itself, a copy not


def test_to_copy_makes_new_memory():
    x = chainrule.tensor([1.0, 2.0])
    y = x.to(chainrule.float32, copy=True)
    y.add_(1)
    assert x.tolist() == [1.0, 2.0]
    assert x.cpu() is x


def test_to_keeps_the_graph():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x.to("cpu", lib.float64) * x.double()).sum().backward()
        grads.append(x.grad)
    same(*grads)


def test_type_and_type_as():
    for lib in (chainrule, torch):
        x = lib.tensor([1.7, -2.2])
        prefix = lib.__name__
        assert x.type() == f"{prefix}.FloatTensor"
        assert x.type(lib.int32).dtype == lib.int32
        assert x.type(f"{prefix}.DoubleTensor").dtype == lib.float64
        assert x.type_as(lib.ones(1, dtype=lib.int64)).tolist() == [1, -2]
        assert x.long().type() == f"{prefix}.LongTensor"
        assert x.bool().type() == f"{prefix}.BoolTensor"
    assert chainrule.ones(1).type("torch.HalfTensor").dtype == chainrule.float16
    with pytest.raises(ValueError):
        chainrule.ones(1).type("chainrule.NoSuchTensor")


def test_half_roundtrip_parity():
    check_parity(lambda lib, a: a.half().float() * 2, [np.linspace(-3, 3, 7)], dtype="float32")


# ---------------------------------------------------------------- default dtype
def test_default_dtype_drives_python_floats():
    try:
        for lib in (chainrule, torch):
            lib.set_default_dtype(lib.float64)
            assert lib.get_default_dtype() == lib.float64
            assert lib.tensor(1.5).dtype == lib.float64
            assert (lib.tensor([1, 2]) * 0.5).dtype == lib.float64
            assert (lib.tensor([1, 2]) / 2).dtype == lib.float64
            assert (lib.ones(2, dtype=lib.float32) * 0.5).dtype == lib.float32
    finally:
        for lib in (chainrule, torch):
            lib.set_default_dtype(lib.float32)
    for lib in (chainrule, torch):
        assert lib.get_default_dtype() == lib.float32
        with pytest.raises(TypeError):
            lib.set_default_dtype(lib.int64)


# ---------------------------------------------------------------- promotion
OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def _outcome(fn):
    """The result dtype's name, or the exception type's name."""
    try:
        return name(fn().dtype)
    except Exception as e:  # the same refusal counts as agreement
        return type(e).__name__


def _case(op, *key, id: str):
    return pytest.param(op, *key, id=id)


def _d(dtype, zero_d):
    return dtype + ("0d" if zero_d else "")


TENSOR_CASES = [
    _case(op, a, za, b, zb, id=f"{op}-{_d(a, za)}-{_d(b, zb)}")
    for op in OPS
    for (a, za), (b, zb) in itertools.product(itertools.product(DTYPES, [False, True]), repeat=2)
]


@pytest.mark.parametrize("op, a, za, b, zb", TENSOR_CASES)
def test_tensor_tensor_result_dtype_like_torch(op, a, za, b, zb):
    outcomes = [
        _outcome(lambda lib=lib: OPS[op](make(lib, a, za), make(lib, b, zb)))
        for lib in (chainrule, torch)
    ]
    assert outcomes[0] == outcomes[1]
    assert chainrule.result_type(make(chainrule, a, za), make(chainrule, b, zb)) == getattr(
        chainrule, name(torch.result_type(make(torch, a, za), make(torch, b, zb)))
    )


SCALARS = {
    "True": True,
    "int": 3,
    "float": 2.5,
    "neg_float": -0.5,
    "np_float64": np.float64(2.5),
    "np_float32": np.float32(1.5),
    "np_int64": np.int64(3),
    "np_int32": np.int32(2),
}


def _scalar_cases():
    for op, a, z, s, side in itertools.product(
        OPS, DTYPES, [False, True], SCALARS, ["right", "left"]
    ):
        yield _case(op, a, z, s, side, id=f"{op}-{_d(a, z)}-{side}-{s}")


@pytest.mark.parametrize("op, a, z, s, side", list(_scalar_cases()))
def test_tensor_scalar_result_dtype_like_torch(op, a, z, s, side):
    scalar = SCALARS[s]

    def run(lib):
        t = make(lib, a, z)
        return OPS[op](t, scalar) if side == "right" else OPS[op](scalar, t)

    c, t = _outcome(lambda: run(chainrule)), _outcome(lambda: run(torch))
    assert c == t
    if side == "right":
        assert name(chainrule.result_type(make(chainrule, a, z), scalar)) == name(
            torch.result_type(make(torch, a, z), scalar)
        )


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, repeat=2)))
def test_promote_types_and_can_cast_like_torch(a, b):
    ca, cb, ta, tb = (
        getattr(chainrule, a),
        getattr(chainrule, b),
        getattr(torch, a),
        getattr(torch, b),
    )
    assert name(chainrule.promote_types(ca, cb)) == name(torch.promote_types(ta, tb))
    assert chainrule.can_cast(ca, cb) == torch.can_cast(ta, tb)


def test_finfo_and_iinfo_like_torch():
    for n in ("float16", "float32", "float64"):
        c, t = chainrule.finfo(getattr(chainrule, n)), torch.finfo(getattr(torch, n))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
            assert getattr(c, attr) == getattr(t, attr), (n, attr)
    assert chainrule.finfo().dtype == "float32"
    for n in ("uint8", "int8", "int16", "int32", "int64"):
        c, t = chainrule.iinfo(getattr(chainrule, n)), torch.iinfo(getattr(torch, n))
        assert (c.bits, c.min, c.max) == (t.bits, t.min, t.max)
    for bad, lib in itertools.product(("finfo", "iinfo"), (chainrule, torch)):
        with pytest.raises(TypeError):
            getattr(lib, bad)(lib.int32 if bad == "finfo" else lib.float32)


# ---------------------------------------------------------------- gradients keep dtypes
GRAPHS = {
    "python_float": lambda lib, x, s: (x * 0.1 + 2.5) ** 2 / 3.0,
    "np_float64": lambda lib, x, s: x * np.float64(0.1) - np.float64(1e-3) * x.exp(),
    "zero_d_f64_const": lambda lib, x, s: x * lib.tensor(0.5, dtype=lib.float64) + x.sin(),
    "zero_d_f64_leaf": lambda lib, x, s: (x * s + s * s).tanh() * x,
    "div_by_0d_f64": lambda lib, x, s: x / (s + 2) + 2.0 / (x * x + 1),
    "matmul": lambda lib, x, s: (x.reshape(1, 3) @ lib.ones(3, 2)) * s,
}


@pytest.mark.parametrize("graph", list(GRAPHS), ids=list(GRAPHS))
def test_float32_leaves_keep_float32_gradients(graph):
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        s = lib.tensor(0.75, dtype=lib.float64, requires_grad=True)
        y = GRAPHS[graph](lib, x, s)
        assert y.dtype == lib.float32  # dimensioned float32 beats 0-d float64 and numbers
        y.sum().backward()
        assert x.grad.dtype == lib.float32
        assert s.grad is None or s.grad.dtype == lib.float64
        results.append((y, x.grad, s.grad))
    for c, t in zip(*results):
        if t is None:
            assert c is None
        else:
            same(c, t, rtol=1e-5, atol=1e-6)


def test_integer_tensor_times_python_float_is_float32():
    for lib in (chainrule, torch):
        assert (lib.tensor([1, 2]) * 1.5).dtype == lib.float32
        assert (lib.tensor([True]) + 1).dtype == lib.int64
        assert (lib.ones(2) * lib.tensor(2.0, dtype=lib.float64)).dtype == lib.float32
        assert (lib.ones(2) * lib.ones(2, dtype=lib.float64)).dtype == lib.float64


def test_clamp_int_tensor_with_float_bounds_is_float32_as_in_torch():
    """Regression: several tensor operands of mixed categories promoted with NumPy's rule
    (int64 with float32 -> float64) instead of PyTorch's (float32)."""
    import chainrule as c

    out = c.clamp(c.ones(2, dtype=c.int64), c.zeros(2), c.ones(2) * 3)
    ref = torch.clamp(torch.ones(2, dtype=torch.int64), torch.zeros(2), torch.ones(2) * 3)
    assert str(out.dtype) == str(ref.dtype).replace("torch", "chainrule")
