"""In-place updates against PyTorch: values, dtypes, refusals, version counters, graphs.

The op table (rows_linalg.py) checks the gradients of recorded in-place ops on non-leaves;
this file checks everything else: the untracked fast path, PyTorch's errors, the version
counter catching a saved value that changed, and the random fills nn.init will use.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
from torchpair import same


def both(fn):
    """fn(lib) for chainrule and torch."""
    return fn(chainrule), fn(torch)


def _leafless(values, dtype="float32"):
    arr = np.asarray(values, dtype=dtype)
    return chainrule.tensor(arr.copy()), torch.tensor(arr.copy())


# ---------------------------------------------------------------- values and dtypes
OTHERS = {
    "int": lambda lib: 2,
    "float": lambda lib: 0.5,
    "bool": lambda lib: True,
    "same_dtype": lambda lib: lib.tensor([1.5, -2.0, 3.0]),
    "row_broadcast": lambda lib: lib.tensor([[0.5, 2.0, -1.0]]),
    "zero_d_f64": lambda lib: lib.tensor(1.25, dtype=lib.float64),
    "f64_tensor": lambda lib: lib.tensor([0.5, 0.25, 2.0], dtype=lib.float64),
    "int_tensor": lambda lib: lib.tensor([1, 2, 3]),
}
METHODS = {
    "add_": lambda x, o: x.add_(o),
    "add_alpha": lambda x, o: x.add_(o, alpha=-3),
    "sub_": lambda x, o: x.sub_(o),
    "sub_alpha": lambda x, o: x.sub_(o, alpha=0.5),
    "mul_": lambda x, o: x.mul_(o),
    "div_": lambda x, o: x.div_(o),
    "div_floor": lambda x, o: x.div_(o, rounding_mode="floor"),
    "pow_": lambda x, o: x.pow_(o),
    "iadd": lambda x, o: x.__iadd__(o),
    "isub": lambda x, o: x.__isub__(o),
    "imul": lambda x, o: x.__imul__(o),
    "itruediv": lambda x, o: x.__itruediv__(o),
    "ipow": lambda x, o: x.__ipow__(o),
}


@pytest.mark.parametrize("other", list(OTHERS), ids=list(OTHERS))
@pytest.mark.parametrize("method", list(METHODS), ids=list(METHODS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_inplace_values_match_torch(method, other, dtype):
    if other == "bool" and method.startswith(("sub", "isub")):
        for lib in (chainrule, torch):  # PyTorch refuses bool subtraction; so must we
            x = lib.tensor([[1.0, 2.0]], dtype=getattr(lib, dtype))
            with pytest.raises(RuntimeError):
                METHODS[method](x, OTHERS[other](lib))
        return
    results = []
    for lib in (chainrule, torch):  # positive bases: pow_ stays real
        x = lib.tensor([[1.0, 2.0, 4.0], [0.5, 3.0, 1.5]], dtype=getattr(lib, dtype))
        before = x
        out = METHODS[method](x, OTHERS[other](lib))
        assert out is before and x is before  # in place: the same tensor object comes back
        results.append(x)
    same(*results, rtol=1e-6)


def test_fast_path_writes_into_the_same_memory():
    x = chainrule.zeros(2, 3)
    arr = x.numpy()
    view = x.detach()
    x.add_(chainrule.ones(3), alpha=2.0)
    x *= 1.5
    x -= chainrule.ones(2, 3)
    np.testing.assert_array_equal(arr, np.full((2, 3), 2.0, np.float32))
    assert x.numpy() is arr and view.numpy() is arr


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x.add_(1.5),
        lambda lib, x: x.div_(2),
        lambda lib, x: x.mul_(lib.tensor([1.5])),
        lambda lib, x: x.add_(lib.tensor(1.5)),
        lambda lib, x: x.pow_(0.5),
        lambda lib, x: x.__iadd__(0.5),
    ],
    ids=["add_float", "div_int", "mul_float_tensor", "add_0d_float", "pow_float", "iadd_float"],
)
def test_float_result_into_integer_tensor_is_refused(fn):
    for lib in (chainrule, torch):
        x = lib.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            fn(lib, x)
        assert x.tolist() == [1, 2]


def test_integer_inplace_values_match_torch():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor([1, 2, 3])
        x.add_(2).mul_(lib.tensor([1, 0, 2])).sub_(1, alpha=3).pow_(2)
        x.div_(2, rounding_mode="floor")
        results.append(x)
    same(*results)


def test_integer_to_negative_power_in_place_is_refused():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="[Ii]ntegers to negative integer powers"):
            lib.tensor([1, 2]).pow_(-1)


def test_bool_inplace_like_torch():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            lib.tensor([True, False]).add_(1)
    results = []
    for lib in (chainrule, torch):
        m = lib.tensor([True, False, True])
        m.add_(True)
        m &= lib.tensor([True, True, False])
        m |= lib.tensor([False, False, False])
        m ^= lib.tensor([False, True, False])
        results.append(m)
    same(*results)


def test_inplace_whose_broadcast_shape_is_larger_is_refused():
    for lib in (chainrule, torch):
        x = lib.ones(3)
        with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match"):
            x.add_(lib.ones(2, 3))
        with pytest.raises(RuntimeError):
            x.mul_(lib.ones(2))
    with pytest.raises(RuntimeError, match="add_"):
        chainrule.ones(3).add_(chainrule.ones(2, 3))


def test_inplace_on_an_expanded_tensor_is_refused():
    for lib in (chainrule, torch):
        x = lib.ones(1).expand(3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            x.add_(1)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            x.mul_(x)


# ---------------------------------------------------------------- fill_, zero_, copy_
def test_fill_and_zero_like_torch():
    results = []
    for lib in (chainrule, torch):
        f, i, b = lib.ones(2, 2), lib.tensor([5, 6]), lib.tensor([False, False])
        f.fill_(2.5)
        i.fill_(2.7)  # truncated, not refused (PyTorch's rule for fill_)
        b.fill_(2)
        z = lib.ones(3).zero_()
        f.fill_(lib.tensor(-1.0))
        results.append((f, i, b, z))
    for c, t in zip(*results):
        same(c, t)


def test_fill_with_a_non_scalar_tensor_is_refused():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
            lib.ones(3).fill_(lib.ones(2))


@pytest.mark.parametrize(
    "src, dst_dtype",
    [
        ([1.7, -1.7, 2.5], "int64"),  # float -> int truncates
        ([[1.0, 2.0, 3.0]], "float32"),  # broadcast rows
        ([2.0], "float64"),
        ([1, 0, 3], "bool"),
        (2.5, "int64"),  # a number is copied everywhere
    ],
)
def test_copy_casts_and_broadcasts_like_torch(src, dst_dtype):
    results = []
    for lib in (chainrule, torch):
        dst = lib.zeros(2, 3, dtype=getattr(lib, dst_dtype))
        out = dst.copy_(src if isinstance(src, float) else lib.tensor(src))
        assert out is dst
        results.append(dst)
    same(*results)


def test_copy_shape_and_type_errors_like_torch():
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError):
            lib.ones(3).copy_(lib.ones(2))
        with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match"):
            lib.ones(3).copy_(lib.ones(2, 3))
        with pytest.raises(TypeError):
            lib.ones(3).copy_(np.ones(3))


def test_copy_into_a_plain_buffer_takes_the_sources_graph():
    grads = []
    for lib in (chainrule, torch):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        buf = lib.zeros(2, 2)
        buf.copy_(w * 3)
        assert buf.requires_grad and not buf.is_leaf
        (buf * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        grads.append(w.grad)
    same(*grads)


# ---------------------------------------------------------------- autograd rules
LEAF_OPS = {
    "add_": lambda lib, x: x.add_(1),
    "sub_": lambda lib, x: x.sub_(lib.ones(2)),
    "mul_": lambda lib, x: x.mul_(2),
    "div_": lambda lib, x: x.div_(2),
    "pow_": lambda lib, x: x.pow_(2),
    "clamp_": lambda lib, x: x.clamp_(0, 1),
    "zero_": lambda lib, x: x.zero_(),
    "fill_": lambda lib, x: x.fill_(3.0),
    "copy_": lambda lib, x: x.copy_(lib.ones(2)),
    "normal_": lambda lib, x: x.normal_(),
    "uniform_": lambda lib, x: x.uniform_(),
    "exponential_": lambda lib, x: x.exponential_(),
    "iadd": lambda lib, x: x.__iadd__(1.0),
    "imul": lambda lib, x: x.__imul__(lib.ones(2)),
}


@pytest.mark.parametrize("op", list(LEAF_OPS), ids=list(LEAF_OPS))
def test_inplace_on_a_leaf_requiring_grad_raises_outside_no_grad(op):
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being"):
            LEAF_OPS[op](lib, x)
        assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("op", list(LEAF_OPS), ids=list(LEAF_OPS))
def test_inplace_on_a_leaf_under_no_grad_stays_a_leaf(op):
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            out = LEAF_OPS[op](lib, x)
        assert out is x and x.is_leaf and x.requires_grad and x.grad_fn is None


def test_inplace_on_a_view_of_a_leaf_raises_like_torch():
    for lib in (chainrule, torch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            x[0].add_(1)


def test_inplace_on_a_view_of_a_non_leaf_is_refused_not_silently_wrong():
    # PyTorch rewrites the base's history (CopySlices); chainrule does not track a view's
    # base, so instead of gradients that miss the update it refuses, naming the op.
    x = chainrule.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="mul_: Output 0 of .* is a view"):
        y[:2].mul_(3)


# (make y from x, use y in a way that saves it, modify y in place)
SAVED_THEN_MODIFIED = {
    "exp_output_mul_": (lambda x: x.exp(), lambda y: y, lambda y: y.mul_(2)),
    "mul_input_add_": (lambda x: x * 1, lambda y: y * y, lambda y: y.add_(1)),
    "zero_": (lambda x: x.exp(), lambda y: y, lambda y: y.zero_()),
    "fill_": (lambda x: x.exp(), lambda y: y, lambda y: y.fill_(1.0)),
    "copy_": (lambda x: x * 1, lambda y: y * y, lambda y: y.copy_(y * 0)),
    "iadd": (lambda x: x.exp(), lambda y: y, lambda y: y.__iadd__(1)),
    "clamp_": (lambda x: x.exp(), lambda y: y, lambda y: y.clamp_(max=2.0)),
    "normal_": (lambda x: x * 1, lambda y: y * y, lambda y: y.normal_()),
}


@pytest.mark.parametrize("case", list(SAVED_THEN_MODIFIED), ids=list(SAVED_THEN_MODIFIED))
@pytest.mark.parametrize("no_grad", [False, True], ids=["recorded", "no_grad"])
def test_modifying_a_saved_tensor_raises_at_backward_like_torch(case, no_grad):
    make, use, modify = SAVED_THEN_MODIFIED[case]
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = make(x)
        loss = (use(y) * 3).sum()
        with lib.set_grad_enabled(not no_grad):
            modify(y)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


def test_inplace_records_the_op_as_the_new_grad_fn():
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * 1
        y.mul_(w)
        assert type(y.grad_fn).__name__ == "MulBackward0"
        y.add_(1)
        assert type(y.grad_fn).__name__ == "AddBackward0"
        y.zero_()
        assert type(y.grad_fn).__name__ == "ZeroBackward0"


def test_inplace_mul_and_div_keep_the_old_value_for_backward():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * 1
        y.mul_(w)
        y.div_(w + 1)
        y.pow_(w)
        y.sum().backward()
        grads.append((x.grad, w.grad))
    for c, t in zip(*grads):
        same(c, t, rtol=1e-5)


def test_plain_buffer_updated_by_a_tensor_requiring_grad_joins_the_graph():
    results = []
    for lib in (chainrule, torch):
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        buf = lib.zeros(2)
        buf.add_(w, alpha=2)
        assert buf.requires_grad and not buf.is_leaf
        (buf * buf).sum().backward()
        results.append(w.grad)
    same(*results)


def test_float32_tensor_updated_by_float64_keeps_its_dtype_and_gradients():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = lib.tensor([0.5, 0.25], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y += d
        y *= d
        assert y.dtype == lib.float32
        (y * y).sum().backward()
        assert x.grad.dtype == lib.float32 and d.grad.dtype == lib.float64
        results.append((y, x.grad, d.grad))
    for c, t in zip(*results):
        same(c, t, rtol=1e-5)


def test_augmented_assignment_returns_the_same_object_except_matmul():
    c, t = _leafless([[1.0, 2.0], [3.0, 4.0]])
    for x in (c, t):
        before = x
        x += 1
        x **= 2
        assert x is before
    # neither library defines @= in place: Python rebinds the name to a new tensor
    assert hasattr(chainrule.Tensor, "__imatmul__") == hasattr(torch.Tensor, "__imatmul__")
    for lib, x in ((chainrule, c), (torch, t)):
        before = x
        x @= lib.ones(2, 2)
        assert x is not before
    same(c, t)


def test_optimizer_style_update_through_data():
    results = []
    for lib in (chainrule, torch):
        p = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (p * p).sum().backward()
        p.data.add_(p.grad, alpha=-0.1)
        p.data.mul_(0.5)
        assert p.is_leaf and p.requires_grad
        results.append(p)
    same(*results)


# ---------------------------------------------------------------- random fills
def test_init_style_fills_under_no_grad():
    w = chainrule.empty(64, 32, requires_grad=True)
    with chainrule.no_grad():
        arr = w.detach().numpy()  # the same memory: the fills write into it
        w.normal_(0.0, 0.02)
        assert abs(arr.mean()) < 0.005 and 0.015 < arr.std() < 0.025
        w.uniform_(-0.1, 0.1)
        assert arr.min() >= -0.1 and arr.max() < 0.1 and abs(arr.mean()) < 0.01
        w.exponential_(2.0)
        assert arr.min() >= 0 and 0.4 < arr.mean() < 0.6
        w.zero_()
        w.fill_(1.0)
    assert w.is_leaf and w.requires_grad and w.dtype == chainrule.float32


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_random_fills_keep_dtype_and_shape(dtype):
    for lib in (chainrule, torch):
        x = lib.zeros(3, 4, dtype=getattr(lib, dtype))
        assert x.normal_().dtype == x.uniform_(2, 3).dtype == getattr(lib, dtype)
        assert tuple(x.shape) == (3, 4)
    # [from, to) holds even where rounding to the dtype would reach ``to``
    values = chainrule.zeros(100_000, dtype=getattr(chainrule, dtype)).uniform_(2, 3).numpy()
    assert values.min() >= 2 and values.max() < 3


def test_random_fills_follow_the_generator():
    draws = []
    for _ in range(2):
        g = chainrule.Generator().manual_seed(7)
        draws.append(chainrule.empty(5).normal_(generator=g).tolist())
        draws.append(chainrule.empty(5).uniform_(generator=g).tolist())
    assert draws[0] == draws[2] and draws[1] == draws[3] and draws[0] != draws[1]


def test_random_fill_errors_like_torch():
    for lib in (chainrule, torch):
        with pytest.raises(NotImplementedError):
            lib.tensor([1, 2]).normal_()
        with pytest.raises(NotImplementedError):
            lib.tensor([1, 2]).uniform_()
        with pytest.raises(RuntimeError, match="uniform_ expects to return a"):
            lib.ones(3).uniform_(2, 1)
        with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
            lib.ones(3).normal_(0, -1)
        with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0"):
            lib.ones(3).exponential_(-1)


def test_random_fill_of_a_non_leaf_has_zero_gradient():
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.normal_()
        (y + x).sum().backward()
        grads.append(x.grad)
    same(*grads)


def test_clamp_inplace_matches_torch():
    results = []
    for lib in (chainrule, torch):
        x = lib.tensor([-2.0, -0.5, 0.5, 2.0])
        x.clamp_(-1, 1)
        y = lib.tensor([-2.0, 3.0]).clip_(min=0.0)
        z = lib.tensor([-2.0, 3.0]).clamp_(max=lib.tensor([1.0, 4.0]))
        results.append((x, y, z))
    for c, t in zip(*results):
        same(c, t)
    for lib in (chainrule, torch):
        with pytest.raises(RuntimeError):
            lib.ones(2).clamp_()


def test_recorded_inplace_through_an_alias_is_refused_not_silently_wrong():
    """``buf[:2].add_(w)`` with ``buf`` not requiring grad: PyTorch rewrites buf's history so
    later uses of ``buf`` reach ``w``. chainrule does not track bases, so recording the op on
    the view alone would drop w's gradient through ``buf``: it must refuse instead."""
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    buf = chainrule.zeros(4)
    view = buf[:2]
    with pytest.raises(RuntimeError, match="add_: this tensor shares memory with a view"):
        view.add_(w)
    with pytest.raises(RuntimeError, match="shares memory with a view"):
        buf.mul_(w.sum())  # the base of a view: the view's graph would go stale too
    # what PyTorch computes, which chainrule would have got wrong silently
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    tbuf = torch.zeros(4)
    tbuf[:2].add_(tw)
    tbuf.sum().backward()
    assert tw.grad.tolist() == [1.0, 1.0]


def test_untracked_inplace_through_a_view_still_updates_the_base():
    buf = chainrule.zeros(4)
    buf[:2].add_(chainrule.tensor([1.0, 2.0]))
    assert buf.tolist() == [1.0, 2.0, 0.0, 0.0]
