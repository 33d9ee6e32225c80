"""Elementwise ops raise where PyTorch raises: the same exception type, and a message that
names the op (and, for broadcasting, the shapes)."""

from __future__ import annotations

import pytest
import torch

import chainrule


def _raised(fn, lib) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(lib)
    return info.value


def f(T, values=(1.0, 2.0, 3.0)):
    return T.tensor(list(values))


def i(T, values=(1, 2, 3)):
    return T.tensor(list(values))


def b(T, values=(True, False, True)):
    return T.tensor(list(values))


# (op named in the message, call)
CASES = [
    # shapes that do not broadcast
    ("add", lambda T: T.add(f(T), f(T, (1.0, 2.0)))),
    ("add", lambda T: f(T) + f(T, (1.0, 2.0))),
    ("sub", lambda T: T.sub(f(T), f(T, (1.0, 2.0)), alpha=2)),
    ("mul", lambda T: f(T) * f(T, (1.0, 2.0))),
    ("div", lambda T: f(T) / f(T, (1.0, 2.0))),
    ("div", lambda T: T.div(f(T), f(T, (1.0, 2.0)), rounding_mode="floor")),
    ("div", lambda T: f(T) // f(T, (1.0, 2.0))),
    ("remainder", lambda T: f(T) % f(T, (1.0, 2.0))),
    ("fmod", lambda T: T.fmod(f(T), f(T, (1.0, 2.0)))),
    ("pow", lambda T: T.pow(f(T), f(T, (1.0, 2.0)))),
    ("atan2", lambda T: T.atan2(f(T), f(T, (1.0, 2.0)))),
    ("logaddexp", lambda T: T.logaddexp(f(T), f(T, (1.0, 2.0)))),
    ("maximum", lambda T: T.maximum(f(T), f(T, (1.0, 2.0)))),
    ("minimum", lambda T: T.minimum(f(T), f(T, (1.0, 2.0)))),
    ("clamp", lambda T: T.clamp(f(T), min=f(T, (1.0, 2.0)))),
    ("clamp", lambda T: T.clamp(f(T), f(T, (0.0,)), f(T, (1.0, 2.0)))),
    ("lerp", lambda T: T.lerp(f(T), f(T, (1.0, 2.0)), 0.5)),
    ("lerp", lambda T: T.lerp(f(T), f(T), f(T, (1.0, 2.0)))),
    ("where", lambda T: T.where(b(T, (True, False)), f(T), f(T))),
    ("where", lambda T: T.where(b(T), f(T), f(T, (1.0, 2.0)))),
    ("eq", lambda T: T.eq(f(T), f(T, (1.0, 2.0)))),
    ("lt", lambda T: f(T) < f(T, (1.0, 2.0))),
    ("logical_and", lambda T: T.logical_and(f(T), f(T, (1.0, 2.0)))),
    ("bitwise_or", lambda T: i(T) | i(T, (1, 2))),
    ("isclose", lambda T: T.isclose(f(T), f(T, (1.0, 2.0)))),
    ("allclose", lambda T: T.allclose(f(T), f(T, (1.0, 2.0)))),
    # bad arguments
    ("div", lambda T: T.div(f(T), f(T), rounding_mode="round")),
    ("clamp", lambda T: T.clamp(f(T))),
    ("add", lambda T: T.add(i(T), i(T), alpha=0.5)),
    ("sub", lambda T: T.sub(i(T), 1, alpha=1.5)),
    ("sub", lambda T: T.sub(b(T), b(T))),
    ("sub", lambda T: f(T) - b(T)),
    ("neg", lambda T: -b(T)),
    ("where", lambda T: T.where(f(T), f(T), f(T))),
    ("lerp", lambda T: T.lerp(f(T), f(T).double(), 0.5)),
    ("lerp", lambda T: T.lerp(f(T), f(T), f(T).double())),
    ("isclose", lambda T: T.isclose(f(T), f(T).double())),
    ("allclose", lambda T: T.allclose(f(T), i(T))),
    ("isclose", lambda T: T.isclose(f(T), f(T), rtol=-1.0)),
    # integer division by zero
    ("div", lambda T: T.div(i(T), 0, rounding_mode="floor")),
    ("div", lambda T: T.div(i(T), i(T, (1, 0, 2)), rounding_mode="trunc")),
    ("div", lambda T: i(T) // 0),
    ("fmod", lambda T: T.fmod(i(T), 0)),
    ("remainder", lambda T: i(T) % i(T, (1, 0, 1))),
    # dtypes without a kernel
    ("abs", lambda T: T.abs(b(T))),
    ("ceil", lambda T: T.ceil(b(T))),
    ("floor", lambda T: b(T).floor()),
    ("round", lambda T: T.round(b(T))),
    ("round", lambda T: T.round(i(T), decimals=1)),
    ("frac", lambda T: T.frac(i(T))),
    ("logaddexp", lambda T: T.logaddexp(i(T), i(T))),
    ("lerp", lambda T: T.lerp(i(T), i(T), 0.5)),
    ("fmod", lambda T: T.fmod(b(T), b(T))),
    ("remainder", lambda T: T.remainder(b(T), b(T))),
    ("div", lambda T: T.div(b(T), b(T), rounding_mode="trunc")),
    ("bitwise_and", lambda T: T.bitwise_and(f(T), f(T))),
    ("bitwise_not", lambda T: ~f(T)),
    ("relu", lambda T: T.relu(b(T))),
    # a Tensor is required
    ("exp", lambda T: T.exp(2.0)),
    ("sigmoid", lambda T: T.sigmoid([1.0])),
    ("isnan", lambda T: T.isnan(1.0)),
    ("maximum", lambda T: T.maximum(f(T), 1)),
    ("atan2", lambda T: T.atan2(f(T), 1.0)),
    ("logaddexp", lambda T: T.logaddexp(f(T), 1.0)),
    ("logical_xor", lambda T: T.logical_xor(f(T), 0)),
    ("equal", lambda T: T.equal(f(T), [1.0, 2.0, 3.0])),
]


@pytest.mark.parametrize("op, call", CASES, ids=[f"{k}-{op}" for k, (op, _) in enumerate(CASES)])
def test_raises_like_torch(op, call):
    expected = _raised(call, torch)
    got = _raised(call, chainrule)
    assert type(got) is type(expected), f"torch raised {expected!r}, chainrule {got!r}"
    assert op in str(got), f"the message should name {op}: {got}"


def test_broadcast_message_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"maximum.*\(3\).*\(2\).*\[3\].*\[2\]"):
        chainrule.maximum(chainrule.tensor([1.0, 2.0, 3.0]), chainrule.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"where.*\[2\].*\[3\]"):
        chainrule.where(chainrule.tensor([True, False]), 1.0, chainrule.tensor([1.0, 2.0, 3.0]))
