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
