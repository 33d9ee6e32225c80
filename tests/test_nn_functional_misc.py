"""one_hot, cosine_similarity and pairwise_distance against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule
import chainrule.nn.functional as CF
from chainrule.autograd import gradcheck
from nnpair import assert_close


# ---------------------------------------------------------------- one_hot
@pytest.mark.parametrize(
    "values,num_classes",
    [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), (4, 6), ([], 3), ([[]], 2)],
    ids=str,
)
def test_one_hot_parity(values, num_classes):
    c = CF.one_hot(chainrule.tensor(values, dtype=chainrule.int64), num_classes)
    t = TF.one_hot(torch.tensor(values, dtype=torch.int64), num_classes)
    assert_close(c, t)  # int64, same shape and codes


def test_one_hot_errors_like_torch():
    cases = [
        (([1.0, 2.0], None), -1, "LongTensor"),
        (([1, 2], "int32"), -1, "LongTensor"),
        (([], None), -1, "empty tensor"),
        (([-1, 2], None), -1, "non-negative"),
        (([1, 2], None), 2, "smaller than num_classes"),
        (([1, 2], None), -2, "smaller than num_classes"),
    ]
    for (values, dtype), n, match in cases:
        for lib_f, lib in ((TF, torch), (CF, chainrule)):
            kw = {"dtype": getattr(lib, dtype)} if dtype else {}
            if values == []:
                kw = {"dtype": lib.int64}
            with pytest.raises(RuntimeError, match=match):
                lib_f.one_hot(lib.tensor(values, **kw), n)


# ---------------------------------------------------------------- cosine_similarity
COS_CASES = [
    ((4, 5), (4, 5), 1),
    ((2, 3), (1, 3), 1),
    ((3, 1, 4), (1, 2, 4), -1),
    ((5,), (5,), 0),
    ((2, 1), (2, 3), 1),  # x1 is expanded before its norm is taken, as in PyTorch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", COS_CASES, ids=str)
def test_cosine_similarity_parity(case, dtype):
    s1, s2, dim = case
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(s1).astype(dtype), rng.standard_normal(s2).astype(dtype)
    ca, cb = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    cy, ty = CF.cosine_similarity(ca, cb, dim), TF.cosine_similarity(ta, tb, dim)
    assert_close(cy, ty)
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    cy.backward(chainrule.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(ca.grad, ta.grad, atol=1e-5)
    assert_close(cb.grad, tb.grad, atol=1e-5)


def test_cosine_similarity_eps_clamp_and_its_gradient_match_torch():
    # tiny and zero vectors: the norms are clamped at eps, and the clamp passes the gradient
    a = np.array([[1e-9, -2e-9, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    b = np.array([[3.0, 1.0, -1.0], [1.0, 1.0, 1.0], [1e-10, 0.0, 1e-10]])
    ca, cb = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    cy, ty = CF.cosine_similarity(ca, cb, eps=1e-8), TF.cosine_similarity(ta, tb, eps=1e-8)
    assert_close(cy, ty, rtol=1e-10, atol=1e-12)
    cy.sum().backward()
    ty.sum().backward()
    assert_close(ca.grad, ta.grad, rtol=1e-8)
    assert_close(cb.grad, tb.grad, rtol=1e-8)


def test_cosine_similarity_dtypes_and_errors():
    ints, floats = [1, 2, 3], [0.5, 1.0, -1.0]
    assert_close(
        CF.cosine_similarity(chainrule.tensor(ints), chainrule.tensor(floats), dim=0),
        TF.cosine_similarity(torch.tensor(ints), torch.tensor(floats), dim=0),
    )
    for lib_f, lib in ((TF, torch), (CF, chainrule)):
        with pytest.raises(RuntimeError, match="floating point"):
            lib_f.cosine_similarity(lib.tensor(ints), lib.tensor(ints), dim=0)
        with pytest.raises(RuntimeError, match="must match the size"):
            lib_f.cosine_similarity(lib.ones(2, 3), lib.ones(4, 3))
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib_f.cosine_similarity(lib.ones(3), lib.ones(3))


def test_cosine_similarity_gradcheck():
    rng = np.random.default_rng(3)
    a = chainrule.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal((1, 4)), requires_grad=True)
    assert gradcheck(CF.cosine_similarity, (a, b))


# ---------------------------------------------------------------- pairwise_distance
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("shapes", [((4, 5), (4, 5)), ((2, 3), (3,)), ((6,), (6,))], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_parity(shapes, p, keepdim):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    ca, cb = chainrule.tensor(a, requires_grad=True), chainrule.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    cy = CF.pairwise_distance(ca, cb, p, keepdim=keepdim)
    ty = TF.pairwise_distance(ta, tb, p, keepdim=keepdim)
    assert_close(cy, ty, rtol=1e-10)
    cy.sum().backward()
    ty.sum().backward()
    assert_close(ca.grad, ta.grad, rtol=1e-9)
    assert_close(cb.grad, tb.grad, rtol=1e-9)
