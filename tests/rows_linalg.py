"""Op-table rows: linear algebra, dtype conversions and in-place updates (issue 3).

Matrices that get inverted (inv, solve) are shifted by 4 I, which keeps random N(0, 1)
matrices well conditioned, so float32 parity and finite differences stay accurate; the
gradient is still taken with respect to the unshifted input. Norms with kinks (1, inf,
fractional p) draw inputs away from 0, where |x| is not differentiable.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from opspec import BINARY, UNARY, Row, reduce_params

SIDE = st.integers(0, 4)
POS_SIDE = st.integers(1, 4)


@st.composite
def mm_shapes(draw):
    n, m, p = draw(SIDE), draw(SIDE), draw(SIDE)
    return (n, m), (m, p)


@st.composite
def bmm_shapes(draw):
    b, n, m, p = draw(st.integers(0, 3)), draw(SIDE), draw(SIDE), draw(SIDE)
    return (b, n, m), (b, m, p)


@st.composite
def mv_shapes(draw):
    n, m = draw(SIDE), draw(SIDE)
    return (n, m), (m,)


@st.composite
def vec_pair(draw, same=True):
    n = draw(SIDE)
    return (n,), ((n,) if same else (draw(SIDE),))


def einsum_shapes(equation: str, size=SIDE):
    """Shapes for ``equation``: one size per letter (size-1 broadcasting where a letter is
    upper-case in the template: it is drawn as 1 for that operand), ``...`` a batch."""

    @st.composite
    def draw_shapes(draw):
        lhs = equation.split("->")[0]
        sizes = {c: draw(size) for c in set(lhs.lower()) if c in string.ascii_lowercase}
        batch = draw(
            mutually_broadcastable_shapes(num_shapes=lhs.count(",") + 1, max_dims=2, max_side=3)
        ).input_shapes
        shapes = []
        for k, term in enumerate(lhs.split(",")):
            head, _, tail = term.partition("...")
            shape = [1 if c.isupper() else sizes[c] for c in head]
            if "..." in term:
                shape += list(batch[k])
            shape += [1 if c.isupper() else sizes[c] for c in tail]
            shapes.append(tuple(shape))
        return tuple(shapes)

    return draw_shapes()


def _einsum_row(name: str, template: str, size=SIDE, **kw) -> Row:
    equation = template.lower()  # upper case in the template only marks size-1 operands
    return Row(name, lambda T, *xs: T.einsum(equation, *xs), einsum_shapes(template, size), **kw)


@st.composite
def square_shapes(draw, count=1, min_n=1):
    """Batches of n x n matrices (batch dims broadcast between the operands)."""
    n = draw(st.integers(min_n, 4))
    batch = draw(
        mutually_broadcastable_shapes(num_shapes=count, max_dims=2, max_side=3)
    ).input_shapes
    return tuple((*b, n, n) for b in batch)


@st.composite
def solve_shapes(draw, vector=False):
    n, k = draw(st.integers(1, 4)), draw(st.integers(0, 3))
    batch_a, batch_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)
    ).input_shapes
    if vector:  # b is a batch of vectors: A's shape without its last dim, or 1-D
        return ((*batch_a, n, n), batch_a + (n,)) if draw(st.booleans()) else ((n, n), (n,))
    return (*batch_a, n, n), (*batch_b, n, k)


@st.composite
def into_shapes(draw):
    """(a, b) where b broadcasts to exactly a's shape (an in-place update of a by b)."""
    (a,) = draw(UNARY)
    drop = draw(st.integers(0, len(a)))
    return a, tuple(1 if draw(st.booleans()) else s for s in a[drop:])


INTO = into_shapes()


def _shift(T, a):
    """a + 4 I (well conditioned), for every matrix of the batch."""
    return a + 4 * T.eye(a.shape[-1], dtype=a.dtype)


@st.composite
def vector_norm_params(draw, shapes):
    params = draw(reduce_params(shapes))
    return {"dim": params["dim"], "keepdim": params["keepdim"]}


NONEMPTY = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4).map(lambda s: (s,))
MATRICES = array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4).map(lambda s: (s,))


@st.composite
def matrix_dims(draw, shapes):
    (shape,) = shapes
    nd = len(shape)
    d0, d1 = draw(
        st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=2).filter(
            lambda d: d[0] % nd != d[1] % nd
        )
    )
    return {"dim": (d0, d1), "keepdim": draw(st.booleans())}


def _vnorm(ord):
    def fn(T, a, dim, keepdim):
        return T.linalg.vector_norm(a, ord, dim=dim, keepdim=keepdim)

    return fn


def _mnorm(ord):
    def fn(T, a, dim, keepdim):
        return T.linalg.matrix_norm(a, ord, dim=dim, keepdim=keepdim)

    return fn


def _inplace(method: str, *args, **kwargs):
    """y = a * 1.5 (a non-leaf), then y.<method>(b, ...): recorded in the graph."""

    def fn(T, a, *others):
        y = a * 1.5
        getattr(y, method)(*others, *args, **kwargs)
        return y

    return fn


def _iadd(T, a, b):
    y = a * 1.0
    y += b
    y -= 0.5 * b
    y *= b
    y /= 2.0
    y **= 2
    return y


def _clamp_tensor_bounds(T, a, b):
    y = a * 1.5
    y.clamp_(min=b - 1, max=b + 1)
    return y


def _copy_into_buffer(T, a):
    buf = T.zeros(a.shape, dtype=a.dtype)  # a plain tensor takes the graph of its source
    buf.copy_(a)
    return buf * 2


def _fill_nonleaf(T, a, b):
    y = a * 2
    y.fill_(b.sum())  # the fill value is a 0-d tensor: it gets the summed gradient
    return y


def _zero_nonleaf(T, a):
    y = a * 2
    z = a * a
    y.zero_()
    return y + z


ROWS: list[Row] = [
    # products
    Row("mm", lambda T, a, b: T.mm(a, b), mm_shapes()),
    Row("mm_method", lambda T, a, b: a.mm(b), mm_shapes()),
    Row("bmm", lambda T, a, b: T.bmm(a, b), bmm_shapes()),
    Row("mv", lambda T, a, b: T.mv(a, b), mv_shapes()),
    Row("dot", lambda T, a, b: T.dot(a, b), vec_pair()),
    Row("outer", lambda T, a, b: T.outer(a, b), vec_pair(same=False)),
    Row("matmul_method_batched", lambda T, a, b: a.matmul(b), bmm_shapes()),
    # einsum: contractions, diagonals, ellipsis, implicit output, broadcasting, 3 operands
    _einsum_row("einsum_matmul", "ij,jk->ik"),
    _einsum_row("einsum_implicit", "ij,jk"),
    _einsum_row("einsum_trace", "ii"),
    _einsum_row("einsum_diagonal", "iij->ji"),
    _einsum_row("einsum_sum_axis", "ij->i"),
    _einsum_row("einsum_batch_ellipsis", "...ij,...jk->...ik", size=st.integers(1, 3)),
    _einsum_row("einsum_ellipsis_summed", "i...j->j"),
    _einsum_row("einsum_broadcast_size1", "iJ,ij->ij", size=st.integers(1, 3)),
    _einsum_row("einsum_three", "ij,jk,kl->il", size=st.integers(1, 3)),
    _einsum_row("einsum_scalar_operand", ",i->i"),
    Row(
        "einsum_list_form",
        lambda T, a, b: T.einsum("bi,bj->bij", [a, b]),
        einsum_shapes("bi,bj"),
    ),
    Row(
        "einsum_sublist",
        lambda T, a, b: T.einsum(a, [0, 1], b, [1, 2], [2, 0]),
        einsum_shapes("ij,jk"),
    ),
    Row("tensordot_int", lambda T, a, b: T.tensordot(a, b, 1), einsum_shapes("ij,jk")),
    Row("tensordot_default", lambda T, a, b: T.tensordot(a, b), einsum_shapes("aij,ijb")),
    Row(
        "tensordot_lists",
        lambda T, a, b: T.tensordot(a, b, dims=([0, 2], [2, -2])),
        einsum_shapes("ijk,lki", size=st.integers(1, 3)),
    ),
    Row("tensordot_zero", lambda T, a, b: T.tensordot(a, b, dims=0), einsum_shapes("i,jk")),
    # inverse, determinant, solve
    Row("linalg_inv", lambda T, a: T.linalg.inv(_shift(T, a)), square_shapes()),
    Row("inverse_method", lambda T, a: _shift(T, a).inverse(), square_shapes()),
    Row("linalg_det", lambda T, a: T.linalg.det(a), square_shapes(min_n=0)),
    Row("det_shifted", lambda T, a: _shift(T, a).det(), square_shapes()),
    Row(
        "linalg_solve",
        lambda T, a, b: T.linalg.solve(_shift(T, a), b),
        solve_shapes(),
    ),
    Row(
        "linalg_solve_vector",
        lambda T, a, b: T.linalg.solve(_shift(T, a), b),
        solve_shapes(vector=True),
    ),
    Row(
        "linalg_solve_right",
        lambda T, a, b: T.linalg.solve(_shift(T, a), b.transpose(-2, -1), left=False),
        # B^T must not look like a batch of vectors (PyTorch refuses those with left=False)
        solve_shapes().filter(lambda s: s[1][:-2] + s[1][-1:] + s[1][-2:-1] != s[0][:-1]),
    ),
    # norms
    Row("vector_norm_2", _vnorm(2), params=vector_norm_params),
    Row("vector_norm_1", _vnorm(1), params=vector_norm_params, domains=("away",)),
    Row("vector_norm_inf", _vnorm(float("inf")), NONEMPTY, vector_norm_params, ("away",)),
    Row("vector_norm_-inf", _vnorm(-float("inf")), NONEMPTY, vector_norm_params, ("away",)),
    Row("vector_norm_0", _vnorm(0), params=vector_norm_params, domains=("away",)),
    Row("vector_norm_3", _vnorm(3), params=vector_norm_params, domains=("away",)),
    Row("vector_norm_1.5", _vnorm(1.5), params=vector_norm_params, domains=("away",)),
    Row("vector_norm_0.5", _vnorm(0.5), params=vector_norm_params, domains=("away",)),
    Row("vector_norm_-1.5", _vnorm(-1.5), NONEMPTY, vector_norm_params, ("away",)),
    Row("matrix_norm_fro", _mnorm("fro"), MATRICES, matrix_dims),
    Row("matrix_norm_1", _mnorm(1), MATRICES, matrix_dims, ("away",)),
    Row("matrix_norm_-1", _mnorm(-1), MATRICES, matrix_dims, ("away",)),
    Row("matrix_norm_inf", _mnorm(float("inf")), MATRICES, matrix_dims, ("away",)),
    Row("matrix_norm_-inf", _mnorm(-float("inf")), MATRICES, matrix_dims, ("away",)),
    Row("matrix_norm_2", _mnorm(2), MATRICES, matrix_dims),
    Row("matrix_norm_-2", _mnorm(-2), MATRICES, matrix_dims),
    Row("matrix_norm_nuc", _mnorm("nuc"), MATRICES, matrix_dims),
    Row("linalg_norm_default", lambda T, a: T.linalg.norm(a)),
    Row("linalg_norm_dim", lambda T, a: T.linalg.norm(a, 3, dim=-1), NONEMPTY, domains=("away",)),
    Row("linalg_norm_matrix", lambda T, a: T.linalg.norm(a, "fro", dim=(0, -1)), MATRICES),
    # dtype conversions keep the gradient flowing (and in the input's dtype)
    # (float32 rows go float32 -> float64 -> float32; float64 rows, which gradcheck uses,
    # never lose precision)
    Row("double_type_as", lambda T, a: (a.double() * 3).type_as(a) + a),
    Row("to_dtype_forms", lambda T, a: a.to(T.float64).to("cpu", a.dtype) * a.to(a)),
    Row("type_as_mixed", lambda T, a, b: (a.double() * 2).type_as(b) * b, BINARY),
    # in-place updates on non-leaves: recorded in the graph
    Row("add_inplace", _inplace("add_", alpha=2.0), INTO),
    Row("sub_inplace", _inplace("sub_"), INTO),
    Row("mul_inplace", _inplace("mul_"), INTO),
    Row("div_inplace", _inplace("div_"), INTO, domains=("real", "away")),
    Row("pow_inplace_scalar", _inplace("pow_", 3)),
    Row("pow_inplace_tensor", _inplace("pow_"), INTO, domains=("positive", "real")),
    Row("augmented_assignment", _iadd, INTO, domains=("real", "away")),
    Row("clamp_inplace", _inplace("clamp_", -0.5, 0.75)),
    Row("clamp_inplace_tensor_bounds", _clamp_tensor_bounds, INTO),
    Row(
        "div_inplace_floor", _inplace("div_", rounding_mode="floor"), INTO, domains=("real", "away")
    ),
    Row("copy_inplace", _copy_into_buffer),
    Row("copy_inplace_broadcast", _inplace("copy_"), INTO),
    Row("fill_inplace_tensor", _fill_nonleaf, BINARY),
    Row("zero_inplace", _zero_nonleaf),
]
