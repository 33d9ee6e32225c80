"""gradcheck and gradgradcheck: they pass on right gradients and catch wrong ones."""

from __future__ import annotations

import re

import pytest
import torch

import chainrule
from chainrule.autograd import GradcheckError, gradcheck, gradgradcheck
from torchpair import make_square

# --- gradcheck


def make_doubled_square(Function):
    class DoubledSquare(Function):
        """y = x^2 with a backward that is wrong by a factor 2."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * (2 * x * g)

    return DoubledSquare


def f64(values):
    return chainrule.tensor(values, dtype=chainrule.float64, requires_grad=True)


def test_gradcheck_passes_on_correct_functions():
    a, b = f64([[0.3, -1.2], [0.7, 2.0]]), f64([0.5, -0.4])
    assert gradcheck(lambda x, y: ((x * y).tanh() / (1 + x * x)).sum(0), (a, b))
    assert gradcheck(lambda x: x @ x, (a,))
    sq = make_square(chainrule.autograd.Function)
    assert gradcheck(sq.apply, (b,))


def test_gradgradcheck_passes_on_correct_functions():
    a, b = f64([[0.3, -1.2], [0.7, 2.0]]), f64([0.5, -0.4])
    assert gradgradcheck(lambda x, y: (x * y).tanh().exp(), (a, b))
    sq = make_square(chainrule.autograd.Function)
    assert gradgradcheck(lambda x: sq.apply(x) * x, (b,))


def test_gradcheck_error_names_input_and_worst_element():
    bad = make_doubled_square(chainrule.autograd.Function)
    a = f64([1.0, 2.0])
    x = f64([0.1, -3.0, 0.5])  # the error 2x is largest at element 1
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, x: a.sum() + bad.apply(x), (a, x))
    msg = str(info.value)
    assert "input 1" in msg
    assert re.search(r"input\[1\]", msg), msg


def test_gradcheck_raise_exception_false_returns_false():
    bad = make_doubled_square(chainrule.autograd.Function)
    assert gradcheck(bad.apply, (f64([0.5, 1.0]),), raise_exception=False) is False


def test_torch_gradcheck_agrees_on_the_wrong_function():
    bad = make_doubled_square(torch.autograd.Function)
    x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(bad.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    """First derivative right, but backward detaches x: the second derivative is lost."""

    def make(Function):
        class Detached(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x.detach() * g

        return Detached

    c_fn = make(chainrule.autograd.Function)
    assert gradcheck(c_fn.apply, (f64([0.5, 1.0]),))
    assert gradgradcheck(c_fn.apply, (f64([0.5, 1.0]),), raise_exception=False) is False
    t_fn = make(torch.autograd.Function)
    tx = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(t_fn.apply, (tx,), raise_exception=False) is False


def test_gradcheck_refuses_float32_inputs_clearly():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises((ValueError, TypeError, RuntimeError), match="float64"):
        gradcheck(lambda t: t * 2, (x,))
