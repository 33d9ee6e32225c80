"""Einstein summation (``einsum``) and ``tensordot``, which is written as an einsum.

The public function turns any equation PyTorch accepts (implicit output, ellipsis, spaces,
sublist form, size-1 broadcasting) into an explicit spec: one string of letters per operand
and one for the output, with the ellipsis replaced by fresh letters and broadcast operands
expanded. The op then only deals with explicit letters, and each operand's gradient is one
more einsum (see ``Einsum``).
"""

from __future__ import annotations

import functools
import string

import numpy as np

from ..tensor import Tensor, _check_dim
from . import _dual as D
from ._op import Op

__all__ = ["einsum", "tensordot"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's (and NumPy's) order


def _einsum_any(equation: str, operands: list):
    """einsum on arrays (NumPy) or, when any operand is a Tensor, the recorded op."""
    if any(isinstance(x, Tensor) for x in operands):
        lhs, out = equation.split("->")
        return Einsum.apply((tuple(lhs.split(",")), out), *operands)
    return _np_einsum(equation, operands)


def _np_einsum(equation: str, operands: list) -> np.ndarray:
    # NumPy's path optimiser (BLAS contractions, a good order for 3+ operands) costs tens
    # of microseconds: worth it only for several or large operands.
    big = len(operands) > 2 or sum(np.size(x) for x in operands) >= 2048
    y = np.einsum(equation, *operands, optimize=big)
    y = np.asarray(y)
    if any(np.may_share_memory(y, x) for x in operands):  # NumPy returns views sometimes
        y = y.copy()
    return y


class Einsum(Op):
    """Einstein summation over explicit subscripts, e.g. ``('ij', 'jk') -> 'ik'``.

    forward:  y[out] = sum over the letters not in ``out`` of prod_k x_k[sub_k]
    gradient: dL/dx_k = einsum(g[out], x_j[sub_j] for j != k -> sub_k): every operand's
              gradient is another einsum. Two fix-ups keep that einsum valid:
              - a letter repeated in sub_k (a diagonal, 'ii->i') gets a fresh name for each
                repeat, tied to the first by an identity matrix operand, so the gradient
                lands on the diagonal;
              - a letter of sub_k seen nowhere else (summed over x_k alone, 'ij->i') gets a
                ones vector operand: the gradient is constant along it.
    saves:    the operands whose values another operand's gradient needs
    """

    @staticmethod
    def forward(ctx, spec, *operands):
        subs, out = spec
        ctx.spec = spec
        ctx.sizes = {c: n for sub, x in zip(subs, operands) for c, n in zip(sub, x.shape)}
        needs = ctx.needs_input_grad[1:]
        keep = [any(needs[k] for k in range(len(operands)) if k != j) for j in range(len(needs))]
        ctx.save_for_backward(*[x if k else None for x, k in zip(operands, keep)])
        return _np_einsum(",".join(subs) + "->" + out, list(operands))

    @staticmethod
    def backward(ctx, g):
        subs, out = ctx.spec
        saved = ctx.saved_tensors
        sizes = ctx.sizes
        dtype = g.dtype if isinstance(g, np.ndarray) else g._data.dtype
        used = set("".join(subs) + out)
        fresh = iter(c for c in _LETTERS if c not in used)
        grads = [None]
        for k, sub in enumerate(subs):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            terms = [out] + [s for j, s in enumerate(subs) if j != k]
            operands = [g] + [x for j, x in enumerate(saved) if j != k]
            target = ""
            for c in sub:
                if c in target:  # a repeat: fresh letter + identity tying it to c
                    r = next(fresh)
                    terms.append(c + r)
                    operands.append(np.eye(sizes[c], dtype=dtype))
                    c = r
                target += c
            seen = set("".join(terms))
            for c in target:
                if c not in seen:
                    terms.append(c)
                    operands.append(np.ones(sizes[c], dtype=dtype))
            grads.append(_einsum_any(",".join(terms) + "->" + target, operands))
        return tuple(grads)


# ---------------------------------------------------------------- parsing
def _error(msg: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {msg}")


def _sublist_equation(args) -> tuple[str, list]:
    """PyTorch's sublist form ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` as an equation."""
    args = list(args)
    out = args.pop() if len(args) % 2 == 1 else None
    operands, terms = args[0::2], args[1::2]

    def letters(sub):
        s = ""
        for v in sub:
            if v is Ellipsis:
                s += "..."
            elif isinstance(v, int) and 0 <= v < 52:
                s += _LETTERS[v]
            else:
                raise ValueError(
                    f"einsum(): subscript in subscript list is not within [0, 52): {v}"
                )
        return s

    eq = ",".join(letters(t) for t in terms)
    if out is not None:
        eq += "->" + letters(out)
    return eq, operands


def _parse(equation: str, shapes: list) -> tuple[list, str]:
    """Explicit subscripts per operand and for the output (ellipsis -> fresh letters)."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise _error("only one '->' is allowed in the equation")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise _error("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _error("more operands were provided than specified in the equation")
    for i, c in enumerate(eq):
        if c not in _LETTERS and c not in ".,->":
            raise _error(
                f"invalid subscript given at index {i} in the equation string, subscripts "
                "must be in [a-zA-Z]"
            )
    ell_dims = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        has_ell = "..." in term
        if term.replace("...", "", 1).count("."):
            raise _error(f"found '.' for operand {k} that is not part of any ellipsis")
        n = len(term) - 3 * has_ell
        if (has_ell and n > len(shape)) or (not has_ell and n != len(shape)):
            raise _error(
                f"the number of subscripts in the equation ({n}) "
                + ("is more than" if has_ell else "does not match")
                + f" the number of dimensions ({len(shape)}) for operand {k}"
                + ("" if has_ell else " and no ellipsis was given")
            )
        ell_dims.append(len(shape) - n if has_ell else 0)
    n_ell = max(ell_dims)
    pool = [c for c in _LETTERS if c not in eq]
    if len(pool) < n_ell:
        raise _error("too many dimensions: the ellipsis needs more letters than are left")
    ell = "".join(pool[:n_ell])
    subs = [t.replace("...", ell[n_ell - e :]) for t, e in zip(terms, ell_dims)]
    if arrow:
        if out.replace("...", "", 1).count("."):
            raise _error("found '.' for output but it is not part of any ellipsis")
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise _error(f"output subscript {c} appears more than once in the output")
            if c not in lhs and c not in ell:
                raise _error(
                    f"output subscript {c} does not appear in the equation for any input operand"
                )
    else:  # implicit: the ellipsis, then letters seen exactly once, in alphabetical order
        joined = "".join(terms)
        out = ell + "".join(sorted(c for c in set(joined) if c != "." and joined.count(c) == 1))
    return subs, out


def _letter_sizes(subs: list, shapes: list) -> dict:
    """Each letter's size; size-1 dims broadcast, as in PyTorch."""
    sizes: dict = {}
    for k, (sub, shape) in enumerate(zip(subs, shapes)):
        own: dict = {}
        for c, n in zip(sub, shape):
            if c in own and own[c] != n:
                raise _error(
                    f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                    f"{n} != {own[c]}"
                )
            own[c] = n
        for c, n in own.items():
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                raise _error(
                    f"subscript {c} has size {n} for operand {k} which does not broadcast with "
                    f"previously seen size {prev}"
                )
    return sizes


def einsum(*args):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Any equation PyTorch accepts: implicit output (``'ij,jk'``), ellipsis (``'...ij->...ji'``),
    repeated letters (``'ii->i'``, the diagonal), operands given as a list, and the sublist
    form ``einsum(a, [0, 1], b, [1, 2])``. Every operand gets its gradient.
    """
    if not args:
        raise TypeError("einsum(): expected an equation and operands")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    for x in operands:
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, got {type(x).__name__}")
    if not operands:
        raise _error("must provide at least one operand")
    dtypes = {x._data.dtype for x in operands}
    if len(dtypes) > 1:
        names = sorted(str(x.dtype) for x in operands)
        raise _error(f"expected all operands to have the same dtype, but found {names}")
    spec, wants = _plan(equation, tuple(x._data.shape for x in operands))
    return _run(spec, wants, operands)


@functools.lru_cache(maxsize=256)
def _plan(equation: str, shapes: tuple) -> tuple:
    """(explicit spec, each operand's broadcast shape) for an equation and operand shapes;
    cached, as a model calls the same einsum with the same shapes again and again."""
    subs, out = _parse(equation, list(shapes))
    return _explicit_plan(subs, out, shapes)


def _explicit_plan(subs: list, out: str, shapes) -> tuple:
    sizes = _letter_sizes(subs, shapes)
    wants = tuple(tuple(sizes[c] for c in sub) for sub in subs)
    return (tuple(subs), out), wants


def _run(spec: tuple, wants: tuple, operands: list):
    ready = [
        x if x._data.shape == want else D.expand(x, want)  # size-1 broadcast
        for x, want in zip(operands, wants)
    ]
    return Einsum.apply(spec, *ready)


def tensordot(a, b, dims=2):
    """Contract ``dims`` dimensions: the last ``dims`` of ``a`` with the first of ``b``, or the
    dimensions listed in ``dims = (dims_a, dims_b)``."""
    for x in (a, b):
        if not isinstance(x, Tensor):
            raise TypeError(f"tensordot(): expected Tensors, got {type(x).__name__}")
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(na - dims, na)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, (int, np.integer)) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, (int, np.integer)) else list(dims_b)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("tensordot: both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"tensordot: both inputs should have same dtype, got {a.dtype} and {b.dtype}"
        )
    dims_a = [_check_dim(d, na, "tensordot") for d in dims_a]
    dims_b = [_check_dim(d, nb, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        sa, sb = a._data.shape[da], b._data.shape[db]
        if sa != sb:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has size {sa} in "
                f"dim {da} and second has size {sb} in dim {db}"
            )
    if na + nb - len(dims_a) > len(_LETTERS):
        raise RuntimeError("tensordot: too many dimensions")
    letters = iter(_LETTERS)
    sub_a = [next(letters) for _ in range(na)]
    sub_b = [next(letters) for _ in range(nb)]
    for da, db in zip(dims_a, dims_b):
        sub_b[db] = sub_a[da]
    out = [c for i, c in enumerate(sub_a) if i not in dims_a]
    out += [c for i, c in enumerate(sub_b) if i not in dims_b]
    subs = ["".join(sub_a), "".join(sub_b)]
    spec, wants = _explicit_plan(subs, "".join(out), (a._data.shape, b._data.shape))
    return _run(spec, wants, [a, b])
