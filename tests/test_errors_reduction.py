"""Bad input to reductions and softmax: chainrule raises PyTorch's exception type, with a
message that names the op. Each case runs on both libraries."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import chainrule

M = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
EMPTY = np.zeros((0, 3))
INTS = [[1, 2], [3, 4]]

# (op named in the message, input values, call written once for both libraries)
CASES = [
    ("sum", M, lambda T, x: x.sum(2)),
    ("sum", M, lambda T, x: T.sum(x, (0, 0))),
    ("mean", INTS, lambda T, x: x.mean()),
    ("mean", M, lambda T, x: x.mean(-3)),
    ("prod", M, lambda T, x: T.prod(x, (0, 1))),
    ("prod", M, lambda T, x: x.prod(5)),
    ("max", EMPTY, lambda T, x: x.max()),
    ("max", EMPTY, lambda T, x: T.max(x, 0)),
    ("max", M, lambda T, x: x.max(2)),
    ("min", EMPTY, lambda T, x: T.min(x)),
    ("min", EMPTY, lambda T, x: x.min(dim=0, keepdim=True)),
    ("amax", EMPTY, lambda T, x: x.amax()),
    ("amax", EMPTY, lambda T, x: T.amax(x, (0, 1))),
    ("amax", M, lambda T, x: x.amax(-3)),
    ("amin", EMPTY, lambda T, x: T.amin(x, 0)),
    ("argmax", EMPTY, lambda T, x: x.argmax()),
    ("argmax", EMPTY, lambda T, x: T.argmax(x, 0)),
    ("argmax", [True, False], lambda T, x: x.argmax()),
    ("argmin", EMPTY, lambda T, x: T.argmin(x)),
    ("argmin", M, lambda T, x: x.argmin(3)),
    ("var", INTS, lambda T, x: x.var()),
    ("var", M, lambda T, x: T.var(x, 0, unbiased=False, correction=1)),
    ("std", INTS, lambda T, x: T.std(x, 0)),
    ("std", M, lambda T, x: x.std(4)),
    ("logsumexp", M, lambda T, x: T.logsumexp(x)),
    ("logsumexp", M, lambda T, x: x.logsumexp(2)),
    ("norm", INTS, lambda T, x: x.norm()),
    ("norm", INTS, lambda T, x: T.norm(x, dtype=T.float64)),
    ("norm", M, lambda T, x: x.norm("abc")),
    ("norm", np.ones((2, 2, 2)), lambda T, x: T.norm(x, "fro", dim=(0, 1, 2))),
    ("norm", EMPTY, lambda T, x: x.norm(math.inf)),
    ("norm", EMPTY, lambda T, x: T.norm(x, -1, dim=0)),
    ("norm", M, lambda T, x: x.norm(dim=3)),
    ("cumsum", M, lambda T, x: x.cumsum(2)),
    ("cumsum", M, lambda T, x: T.cumsum(x)),
    ("cumprod", M, lambda T, x: T.cumprod(x, -3)),
    ("all", M, lambda T, x: x.all(2)),
    ("any", M, lambda T, x: T.any(x, -3)),
    ("topk", M, lambda T, x: x.topk(4)),
    ("topk", M, lambda T, x: T.topk(x, -1)),
    ("topk", M, lambda T, x: x.topk(1, dim=2)),
    ("sort", M, lambda T, x: x.sort(2)),
    ("argsort", M, lambda T, x: T.argsort(x, -3)),
    ("softmax", INTS, lambda T, x: x.softmax(0)),
    ("softmax", M, lambda T, x: T.softmax(x, 2)),
    ("softmax", M, lambda T, x: T.softmax(x)),
    ("log_softmax", INTS, lambda T, x: T.log_softmax(x, -1)),
    ("log_softmax", M, lambda T, x: x.log_softmax(-3)),
]


@pytest.mark.parametrize(
    "op, values, call", CASES, ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(CASES)]
)
def test_same_exception_type_as_torch_and_message_names_the_op(op, values, call):
    arr = np.asarray(values)
    with pytest.raises(Exception) as expected:
        call(torch, torch.tensor(arr))
    with pytest.raises(expected.type) as raised:
        call(chainrule, chainrule.tensor(arr))
    assert op in str(raised.value), str(raised.value)


# keepdim without dim matches none of PyTorch's signatures for these five reductions: a
# TypeError, not a result with the keepdim dropped (max, min and prod used to drop it).
KEEPDIM_WITHOUT_DIM = [
    lambda T, x: x.sum(keepdim=True),
    lambda T, x: T.sum(x, keepdim=False),
    lambda T, x: x.mean(keepdim=False),
    lambda T, x: T.mean(x, keepdim=True),
    lambda T, x: x.prod(keepdim=True),
    lambda T, x: T.prod(x, keepdim=True),
    lambda T, x: x.max(keepdim=True),
    lambda T, x: T.max(x, keepdim=True),
    lambda T, x: x.min(keepdim=False),
    lambda T, x: T.min(x, keepdim=True),
]


@pytest.mark.parametrize("call", KEEPDIM_WITHOUT_DIM)
def test_keepdim_without_dim_is_torchs_type_error(call):
    with pytest.raises(TypeError) as expected:
        call(torch, torch.tensor(M))
    with pytest.raises(TypeError) as raised:
        call(chainrule, chainrule.tensor(M))
    # the first line names the op and what it got; the signatures listed below it are
    # chainrule's own (no ``out=``)
    assert str(raised.value).splitlines()[0] == str(expected.value).splitlines()[0]


# ... while dim=None passed explicitly keeps every dim (sum, mean), and keepdim with a dim
# works everywhere: same values and shapes as PyTorch.
KEEPDIM_ACCEPTED = [
    lambda T, x: x.sum(None, keepdim=True),
    lambda T, x: T.sum(x, dim=None, keepdim=True),
    lambda T, x: x.mean(None, True),
    lambda T, x: x.sum(dim=None),
    lambda T, x: x.sum(),
    lambda T, x: T.mean(x),
    lambda T, x: x.prod(),
    lambda T, x: x.prod(1, keepdim=True),
    lambda T, x: x.max(),
    lambda T, x: x.max(1, True).values,
    lambda T, x: T.min(x, dim=0, keepdim=True).values,
]


@pytest.mark.parametrize("call", KEEPDIM_ACCEPTED)
def test_keepdim_with_dim_or_explicit_none_matches_torch(call):
    expected = call(torch, torch.tensor(M, requires_grad=True))
    got = call(chainrule, chainrule.tensor(M, requires_grad=True))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    assert got.shape == expected.shape
