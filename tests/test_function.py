"""Custom ops through chainrule.autograd.Function, with PyTorch's contract, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torchpair import make_square, pair, same

# --- custom Function


def make_scale(Function, record):
    class Scale(Function):
        """y = x * k with a Python number k (a non-tensor argument)."""

        @staticmethod
        def forward(ctx, x, k, w):
            ctx.k = k
            ctx.save_for_backward(w)
            return x * k * w

        @staticmethod
        def backward(ctx, g):
            record.append(tuple(ctx.needs_input_grad))
            (w,) = ctx.saved_tensors
            gx = g * ctx.k * w if ctx.needs_input_grad[0] else None
            return gx, None, None

    return Scale


def make_split(Function, record):
    class Split(Function):
        """Returns (values, mask); mask is marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            values = x * 2
            mask = x.sign()
            ctx.mark_non_differentiable(mask)
            return values, mask

        @staticmethod
        def backward(ctx, g_values, g_mask):
            record.append(g_mask)
            return g_values * 2

    return Split


def test_custom_function_composes_with_builtins_like_torch():
    cx, tx = pair([0.5, -1.5, 2.0])
    for lib, x in ((chainrule, cx), (torch, tx)):
        sq = make_square(lib.autograd.Function)
        y = (sq.apply(x.tanh()) * x).sum()
        y.backward()
    same(cx.grad, tx.grad, rtol=1e-5)


def test_custom_function_grad_fn_name():
    cx, tx = pair([1.0])
    csq, tsq = make_square(chainrule.autograd.Function), make_square(torch.autograd.Function)
    c_name = type(csq.apply(cx).grad_fn).__name__
    t_name = type(tsq.apply(tx).grad_fn).__name__
    assert c_name == t_name == "SquareBackward"
    assert csq.apply(cx).grad_fn.name() == tsq.apply(tx).grad_fn.name()


def test_custom_function_non_tensor_args_and_needs_input_grad():
    cx, tx = pair([1.0, 2.0])
    cw, tw = pair([3.0, -1.0], requires_grad=False)
    records = {"c": [], "t": []}
    for key, lib, x, w in (("c", chainrule, cx, cw), ("t", torch, tx, tw)):
        scale = make_scale(lib.autograd.Function, records[key])
        scale.apply(x, 2.5, w).sum().backward()
    same(cx.grad, tx.grad)
    assert records["c"] == records["t"] == [(True, False, False)]


def test_custom_function_mark_non_differentiable():
    cx, tx = pair([1.0, -2.0])
    records = {"c": [], "t": []}
    outs = []
    for key, lib, x in (("c", chainrule, cx), ("t", torch, tx)):
        split = make_split(lib.autograd.Function, records[key])
        values, mask = split.apply(x)
        assert values.requires_grad and not mask.requires_grad
        assert mask.grad_fn is None
        values.sum().backward()
        outs.append(mask)
    same(cx.grad, tx.grad)
    same(outs[0], outs[1])
    # the unused / non-differentiable output arrives as zeros (materialize_grads)
    same(records["c"][0], records["t"][0])


def test_custom_function_double_backward_like_torch():
    cx, tx = pair([0.5, -1.0, 2.0], dtype="float64")
    results = []
    for lib, x in ((chainrule, cx), (torch, tx)):
        sq = make_square(lib.autograd.Function)
        f = (sq.apply(x) * x).sum()  # x^3
        (g,) = lib.autograd.grad(f, x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        results.append((g, h))
    same(results[0][0], results[1][0])
    same(results[0][1], results[1][1])
    xs = np.array([0.5, -1.0, 2.0])
    # d/dx sum((3x^2)^2) = 36 x^3
    np.testing.assert_allclose(results[0][1].numpy(), 36 * xs**3)


def test_custom_function_setup_context_style():
    def make(Function):
        class Cube(Function):
            @staticmethod
            def forward(x):
                return x * x * x

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x * x * g

        return Cube

    cx, tx = pair([1.0, -2.0])
    for lib, x in ((chainrule, cx), (torch, tx)):
        make(lib.autograd.Function).apply(x).sum().backward()
    same(cx.grad, tx.grad)


def test_custom_function_wrong_number_of_gradients_raises():
    def make(Function):
        class TooMany(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, g * 2

        class TooFew(Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g

        return TooMany, TooFew

    cx, tx = pair([1.0, 2.0])
    cy, ty = pair([3.0, 4.0])
    for lib, x, y in ((chainrule, cx, cy), (torch, tx, ty)):
        too_many, too_few = make(lib.autograd.Function)
        with pytest.raises(
            RuntimeError, match="TooManyBackward returned an incorrect number of gradients"
        ):
            too_many.apply(x).sum().backward()
        with pytest.raises(
            RuntimeError, match="TooFewBackward returned an incorrect number of gradients"
        ):
            too_few.apply(x, y).sum().backward()


def test_custom_function_gradient_of_wrong_shape_raises():
    def make(Function):
        class BadShape(Function):
            @staticmethod
            def forward(ctx, x, wrong):
                ctx.wrong = wrong
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g.sum() * ctx.wrong, None  # shape [3] for an input of shape [2]

        return BadShape

    cx, tx = pair([1.0, 2.0])
    for lib, x in ((chainrule, cx), (torch, tx)):
        bad = make(lib.autograd.Function)
        with pytest.raises(RuntimeError, match="BadShapeBackward returned an invalid gradient"):
            bad.apply(x, lib.tensor([1.0, 2.0, 3.0])).sum().backward()


def test_custom_function_without_grad_does_not_record():
    cx, _ = pair([1.0, 2.0], requires_grad=False)
    sq = make_square(chainrule.autograd.Function)
    y = sq.apply(cx)
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.numpy(), [1.0, 4.0])


def make_two_outputs(lib, record, materialize=True):
    class TwoOut(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            record.append(("grad mode in forward", lib.is_grad_enabled()))
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            record.append(None if g2 is None else g2.tolist())
            if g2 is None:
                return g1 * 2
            return g1 * 2 + g2 * 3

    return TwoOut


@pytest.mark.parametrize("materialize", [True, False])
def test_custom_function_unused_output_gradient(materialize):
    cx, tx = pair([1.0, 2.0])
    records = {"c": [], "t": []}
    for key, lib, x in (("c", chainrule, cx), ("t", torch, tx)):
        two = make_two_outputs(lib, records[key], materialize)
        a, _ = two.apply(x)
        a.sum().backward()
    assert records["c"] == records["t"]
    same(cx.grad, tx.grad)


def test_custom_function_returning_its_input():
    def make(Function):
        class Identity(Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5

        return Identity

    cx, tx = pair([1.0, 2.0])
    for lib, x in ((chainrule, cx), (torch, tx)):
        y = make(lib.autograd.Function).apply(x)
        assert y is not x and not y.is_leaf and x.is_leaf
        y.sum().backward()
    same(cx.grad, tx.grad)


def test_ops_with_many_inputs_run_when_nothing_is_recorded():
    """Regression: an op with 16+ inputs and no recording (cat/stack of a long list) crashed
    with IndexError."""
    import chainrule as c

    xs = [c.ones(2)] * 20
    assert c.stack(xs).shape == (20, 2) and c.cat(xs).shape == (40,)
    leaves = [c.ones(2, requires_grad=True) for _ in range(20)]
    with c.no_grad():
        assert c.stack(leaves).shape == (20, 2)
    c.cat(leaves).sum().backward()
    assert all(float(x.grad.sum()) == 2.0 for x in leaves)
