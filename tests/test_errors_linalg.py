"""Bad input to the linear-algebra ops: chainrule raises what PyTorch raises (the same
exception type, run side by side), with a message that names the op."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule
import chainrule.linalg  # noqa: F401  (the namespace module)

INF = float("inf")

# (case id, op name the message must contain, fn(lib))
CASES = [
    # products
    ("mm_1d", "mm", lambda L: L.mm(L.ones(3), L.ones(3, 5))),
    ("mm_3d_mat2", "mm", lambda L: L.mm(L.ones(2, 3), L.ones(2, 3, 4))),
    ("mm_shapes", "mm", lambda L: L.mm(L.ones(2, 3), L.ones(4, 5))),
    ("mm_dtypes", "mm", lambda L: L.mm(L.ones(2, 3), L.ones(3, 4, dtype=L.float64))),
    ("bmm_2d", "bmm", lambda L: L.bmm(L.ones(2, 3), L.ones(2, 3, 4))),
    ("bmm_batches", "bmm", lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 3, 4))),
    ("bmm_inner", "bmm", lambda L: L.bmm(L.ones(2, 2, 3), L.ones(2, 4, 4))),
    ("mv_shapes", "mv", lambda L: L.mv(L.ones(2, 3), L.ones(4))),
    ("mv_dims", "mv", lambda L: L.mv(L.ones(2, 3), L.ones(3, 1))),
    ("dot_lengths", "dot", lambda L: L.dot(L.ones(3), L.ones(4))),
    ("dot_2d", "dot", lambda L: L.dot(L.ones(3, 1), L.ones(3))),
    ("dot_dtypes", "dot", lambda L: L.dot(L.ones(3), L.ones(3, dtype=L.float64))),
    ("outer_2d", "outer", lambda L: L.outer(L.ones(3, 2), L.ones(3))),
    ("outer_0d", "outer", lambda L: L.outer(L.ones(()), L.ones(3))),
    ("matmul_0d", "matmul", lambda L: L.matmul(L.ones(()), L.ones(3))),
    ("matmul_shapes", "matmul", lambda L: L.ones(2, 3) @ L.ones(4, 5)),
    ("matmul_vectors", "matmul", lambda L: L.ones(3) @ L.ones(4)),
    ("matmul_batches", "matmul", lambda L: L.ones(2, 3, 4) @ L.ones(3, 4, 5)),
    ("matmul_dtypes", "matmul", lambda L: L.ones(2, 3) @ L.ones(3, 4, dtype=L.float64)),
    # einsum
    ("einsum_few_operands", "einsum", lambda L: L.einsum("ij,jk", L.ones(2, 3))),
    ("einsum_many_operands", "einsum", lambda L: L.einsum("i,i", *[L.ones(3)] * 3)),
    ("einsum_bad_letter", "einsum", lambda L: L.einsum("i1->i", L.ones(3, 2))),
    ("einsum_stray_dot", "einsum", lambda L: L.einsum("i.->i", L.ones(3, 2))),
    ("einsum_ndim", "einsum", lambda L: L.einsum("ijk,jk", L.ones(2, 3), L.ones(3, 4))),
    ("einsum_sizes", "einsum", lambda L: L.einsum("ij,jk", L.ones(2, 3), L.ones(4, 4))),
    ("einsum_repeat_sizes", "einsum", lambda L: L.einsum("ii", L.ones(2, 3))),
    ("einsum_repeat_out", "einsum", lambda L: L.einsum("ij->ii", L.ones(2, 3))),
    ("einsum_unknown_out", "einsum", lambda L: L.einsum("ij,jk->il", L.ones(2, 3), L.ones(3, 4))),
    ("einsum_two_arrows", "einsum", lambda L: L.einsum("i->i->i", L.ones(3))),
    (
        "einsum_ellipsis",
        "einsum",
        lambda L: L.einsum("...i,...i", L.ones(2, 3), L.ones(4, 3)),
    ),
    (
        "einsum_dtypes",
        "einsum",
        lambda L: L.einsum("ij,jk", L.ones(2, 3), L.ones(3, 4, dtype=L.float64)),
    ),
    # tensordot
    ("tensordot_sizes", "tensordot", lambda L: L.tensordot(L.ones(2, 3), L.ones(4, 5), dims=1)),
    ("tensordot_big", "tensordot", lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 5), dims=3)),
    ("tensordot_neg", "tensordot", lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 5), dims=-1)),
    (
        "tensordot_lists",
        "tensordot",
        lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 5), dims=([1], [0, 1])),
    ),
    (
        "tensordot_dtypes",
        "tensordot",
        lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 5, dtype=L.float64), dims=1),
    ),
    (
        "tensordot_dim_range",
        "tensordot",
        lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 5), dims=([1], [5])),
    ),
    # inverse, determinant, solve
    ("inv_singular", "linalg.inv", lambda L: L.linalg.inv(L.zeros(2, 2))),
    ("inv_batch_singular", "linalg.inv", lambda L: L.linalg.inv(L.zeros(2, 2, 2))),
    ("inv_not_square", "linalg.inv", lambda L: L.linalg.inv(L.zeros(2, 3))),
    ("inv_1d", "linalg.inv", lambda L: L.linalg.inv(L.zeros(3))),
    ("inv_int", "linalg.inv", lambda L: L.linalg.inv(L.zeros(2, 2, dtype=L.int64))),
    ("inv_half", "linalg.inv", lambda L: L.linalg.inv(L.eye(2, dtype=L.float16))),
    ("inverse_singular", "linalg.inv", lambda L: L.zeros(2, 2).inverse()),
    ("det_not_square", "linalg.det", lambda L: L.linalg.det(L.zeros(2, 3))),
    ("det_1d", "linalg.det", lambda L: L.linalg.det(L.zeros(3))),
    ("det_int", "linalg.det", lambda L: L.linalg.det(L.zeros(2, 2, dtype=L.int64))),
    ("solve_singular", "linalg.solve", lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2))),
    ("solve_shapes", "linalg.solve", lambda L: L.linalg.solve(L.eye(3), L.ones(4, 2))),
    ("solve_vector", "linalg.solve", lambda L: L.linalg.solve(L.eye(3), L.ones(4))),
    (
        "solve_dtypes",
        "linalg.solve",
        lambda L: L.linalg.solve(L.eye(3), L.ones(3, dtype=L.float64)),
    ),
    (
        "solve_batches",
        "linalg.solve",
        lambda L: L.linalg.solve(L.eye(3).expand(2, 3, 3), L.ones(3, 3, 1)),
    ),
    (
        "solve_right_vector",
        "linalg.solve",
        lambda L: L.linalg.solve(L.eye(3), L.ones(3), left=False),
    ),
    ("solve_not_square", "linalg.solve", lambda L: L.linalg.solve(L.ones(2, 3), L.ones(2))),
    # norms
    ("vnorm_inf_empty", "vector_norm", lambda L: L.linalg.vector_norm(L.zeros(0), INF)),
    ("vnorm_neg_empty", "vector_norm", lambda L: L.linalg.vector_norm(L.zeros(0), -1)),
    (
        "vnorm_inf_empty_dim",
        "vector_norm",
        lambda L: L.linalg.vector_norm(L.zeros(2, 0), INF, dim=1),
    ),
    ("vnorm_int", "vector_norm", lambda L: L.linalg.vector_norm(L.zeros(2, dtype=L.int64))),
    ("vnorm_ord_str", "vector_norm", lambda L: L.linalg.vector_norm(L.ones(2), "fro")),
    ("vnorm_dim_range", "vector_norm", lambda L: L.linalg.vector_norm(L.ones(2), dim=2)),
    ("vnorm_dim_twice", "vector_norm", lambda L: L.linalg.vector_norm(L.ones(2, 3), dim=(0, 0))),
    (
        "vnorm_narrowing",
        "vector_norm",
        lambda L: L.linalg.vector_norm(L.ones(2, dtype=L.float64), dtype=L.float32),
    ),
    ("mnorm_1d", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3))),
    ("mnorm_ord", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3, 3), 3)),
    ("mnorm_same_dims", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0, 0))),
    ("mnorm_one_dim", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0,))),
    ("mnorm_int", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3, 3, dtype=L.int64))),
    ("mnorm_-1_empty", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(3, 0), -1)),
    ("mnorm_-inf_empty", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(0, 3), -INF)),
    ("mnorm_-2_empty", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(2, 0, 0), -2)),
    ("mnorm_dim_range", "matrix_norm", lambda L: L.linalg.matrix_norm(L.ones(2, 3), dim=(0, 5))),
    ("norm_3d_ord", "linalg.norm", lambda L: L.linalg.norm(L.ones(3, 3, 3), 2)),
    ("norm_dims", "linalg.norm", lambda L: L.linalg.norm(L.ones(3, 3), dim=(0, 1, 2))),
    ("norm_fro_1d", "matrix_norm", lambda L: L.linalg.norm(L.ones(3), "fro")),
]


@pytest.mark.parametrize("op, fn", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_raises_like_torch(op, fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as actual:
        fn(chainrule)
    want = type(expected.value)
    if isinstance(expected.value, torch.linalg.LinAlgError):
        want = chainrule.linalg.LinAlgError
    assert type(actual.value) is want, f"chainrule raised {actual.value!r}, torch {want}"
    assert op in str(actual.value), f"message does not name {op}: {actual.value}"


def test_linalg_error_is_a_runtime_error_like_torchs():
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    for lib in (chainrule, torch):
        with pytest.raises(lib.linalg.LinAlgError):
            lib.linalg.inv(lib.zeros(3, 3))
        with pytest.raises(lib.linalg.LinAlgError):
            lib.linalg.solve(lib.ones(2, 2), lib.ones(2, 1))


def test_det_of_singular_matrices_like_torch():
    """det's gradient where det == 0: PyTorch's first-order answer is 0 (so is ours)."""
    grads = []
    for lib in (chainrule, torch):
        out = []
        for rows in ([[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 1.0]], [[1.0, 0, 0]] * 3):
            a = lib.tensor(rows, dtype=lib.float64, requires_grad=True)
            d = lib.linalg.det(a)
            d.backward()
            out.append((d, a.grad))
        batch = lib.tensor([[[1.0, 0], [0, 1]], [[0, 0], [0, 0]]], dtype=lib.float64)
        batch.requires_grad_(True)
        lib.linalg.det(batch * 2).sum().backward()
        out.append((batch.grad, batch.grad))
        grads.append(out)
    for (dc, gc), (dt, gt) in zip(*grads):
        assert dc.tolist() == dt.tolist()
        assert gc.tolist() == gt.tolist()


def test_det_of_singular_matrices_when_the_backward_is_recorded():
    """With create_graph=True PyTorch returns the cofactor matrix at a singular A (through
    the SVD), and its second derivative; so does chainrule."""
    rows = [[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]], [[0.0, 0.0], [0.0, 1.0]]]
    results = []
    for lib in (chainrule, torch):
        a = lib.tensor(rows, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(lib.linalg.det(a).sum(), a, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), a)
        results.append((g.detach(), gg))
    for c, t in zip(*results):
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)
