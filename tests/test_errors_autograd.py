"""Autograd misuse raises what PyTorch raises: the same exception type, PyTorch's key words,
and, where chainrule says more, the op, the argument or the shapes involved.

Each case runs on both libraries (``T`` is ``torch`` or ``chainrule``)."""

from __future__ import annotations

import pytest
import torch

import chainrule


def _raised(fn, T) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(T)
    return info.value


def _custom(T, backward, forward=lambda ctx, a, b: a * b):
    """A custom Function called MyFn with the given forward and backward."""
    return type(
        "MyFn",
        (T.autograd.Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )


def _two_inputs(T):
    return T.ones(2, requires_grad=True), T.ones(2, requires_grad=True)


def wrong_count(T):
    a, b = _two_inputs(T)
    _custom(T, lambda ctx, g: g).apply(a, b).sum().backward()


def too_many(T):
    a, b = _two_inputs(T)
    _custom(T, lambda ctx, g: (g, g, g)).apply(a, b).sum().backward()


def wrong_shape(T):
    a, b = _two_inputs(T)
    _custom(T, lambda ctx, g: (g, T.ones(3))).apply(a, b).sum().backward()


def wrong_shape_2d(T):
    x = T.ones(2, 3, requires_grad=True)
    fn = _custom(T, lambda ctx, g: T.ones(3, 2), forward=lambda ctx, a: a.sum())
    fn.apply(x).backward()


def wrong_type(T):
    a, b = _two_inputs(T)
    _custom(T, lambda ctx, g: (g, "oops")).apply(a, b).sum().backward()


def twice(T):
    x = T.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def twice_grad(T):
    x = T.ones(2, requires_grad=True)
    y = x.exp().sum()
    T.autograd.grad(y, x)
    T.autograd.grad(y, x)


def twice_custom(T):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * 2

    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a

    y = _custom(T, backward, forward).apply(T.ones(2, requires_grad=True)).sum()
    y.backward()
    y.backward()


def set_requires_grad_on_int(T):
    t = T.tensor([1, 2])
    t.requires_grad = True


def unused(T):
    x, z = _two_inputs(T)
    T.autograd.grad((x * 2).sum(), [x, z])


# (name, call, fragments in both messages (PyTorch's words), fragments only chainrule adds)
CASES = [
    ("int requires_grad_", lambda T: T.tensor([1, 2]).requires_grad_(), ["floating point"], []),
    ("int tensor(..., rg)", lambda T: T.tensor([1, 2], requires_grad=True), ["floating point"], []),
    (
        "bool tensor(..., rg)",
        lambda T: T.tensor([True], requires_grad=True),
        ["floating point"],
        [],
    ),
    (
        "int zeros(..., rg)",
        lambda T: T.zeros(2, dtype=T.int64, requires_grad=True),
        ["floating point"],
        ["int64"],
    ),
    ("int .requires_grad =", set_requires_grad_on_int, ["floating point"], ["int64"]),
    (
        "non-scalar backward",
        lambda T: (T.ones(2, 3, requires_grad=True) * 2).backward(),
        ["grad can be implicitly created only for scalar outputs"],
        ["[2, 3]"],
    ),
    (
        "non-scalar autograd.grad",
        lambda T: T.autograd.grad(T.ones(2, requires_grad=True) * 2, T.ones(2, requires_grad=True)),
        ["grad can be implicitly created only for scalar outputs"],
        [],
    ),
    ("freed graph", twice, ["backward through the graph a second time", "retain_graph=True"], []),
    ("freed graph, grad", twice_grad, ["backward through the graph a second time"], ["Exp"]),
    ("freed graph, custom", twice_custom, ["backward through the graph a second time"], ["MyFn"]),
    (
        "no grad",
        lambda T: T.ones(2).sum().backward(),
        ["element 0 of tensors does not require grad and does not have a grad_fn"],
        [],
    ),
    (
        "no grad, second tensor",
        lambda T: T.autograd.backward([T.ones(2, requires_grad=True).sum(), T.ones(2).sum()]),
        ["element 1 of tensors does not require grad and does not have a grad_fn"],
        [],
    ),
    (
        "autograd.grad input needs no grad",
        lambda T: T.autograd.grad((T.ones(2, requires_grad=True) * 2).sum(), T.ones(2)),
        ["One of the differentiated Tensors does not require grad"],
        [],
    ),
    (
        "gradient of the wrong shape",
        lambda T: (T.ones(2, requires_grad=True) * 2).backward(T.ones(3)),
        ["Mismatch in shape: grad_output[0] has a shape of", "Size([3])", "Size([2])"],
        [],
    ),
    (
        "too few gradients",
        wrong_count,
        ["function MyFnBackward returned an incorrect number of gradients (expected 2, got 1)"],
        [],
    ),
    (
        "too many gradients",
        too_many,
        ["function MyFnBackward returned an incorrect number of gradients (expected 2, got 3)"],
        [],
    ),
    (
        "gradient of the wrong shape from a custom backward",
        wrong_shape,
        [
            "Function MyFnBackward returned an invalid gradient at index 1 - got [3] but expected "
            "shape compatible with [2]"
        ],
        [],
    ),
    (
        "2-d gradient of the wrong shape from a custom backward",
        wrong_shape_2d,
        [
            "Function MyFnBackward returned an invalid gradient at index 0 - got [3, 2] but "
            "expected shape compatible with [2, 3]"
        ],
        [],
    ),
    ("a gradient that is not a tensor", wrong_type, ["str"], ["MyFnBackward", "index 1"]),
    (
        "unused input",
        unused,
        [
            "The differentiated Tensor at index 1 appears to not have been used in the graph",
            "allow_unused=True",
        ],
        [],
    ),
]


@pytest.mark.parametrize("name, call, shared, extra", CASES, ids=[c[0] for c in CASES])
def test_raises_like_pytorch(name, call, shared, extra):
    expected = _raised(call, torch)
    got = _raised(call, chainrule)
    assert type(got) is type(expected), f"{name}: {type(got).__name__}: {got}"
    for fragment in shared:
        assert fragment.lower() in str(expected).lower(), f"oracle changed: {expected}"
        assert fragment.lower() in str(got).lower(), f"{name}: {got}"
    for fragment in extra:
        assert fragment in str(got), f"{name}: {got}"


def test_allow_unused_returns_none_like_pytorch():
    for T in (torch, chainrule):
        x, z = _two_inputs(T)
        gx, gz = T.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
        assert gz is None and gx.tolist() == [2.0, 2.0]


def test_retain_graph_allows_a_second_backward():
    for T in (torch, chainrule):
        x = T.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        assert x.grad.tolist() == [4.0, 4.0]
