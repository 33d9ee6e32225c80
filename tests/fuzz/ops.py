"""The fuzzer's op menu: what a random program may do, written once for both libraries.

Each ``OpSpec`` has a ``fn(lib, *tensors, **params)`` that runs on ``chainrule`` and on
``torch`` alike (the op table's convention, ``tests/opspec.py``), a ``text`` template that
prints the instruction as Python, a ``params(rng, shapes)`` drawer (``None``: the op does not
apply to these operands), how extra operands are found (``partner``) and an optional
``check(arrays, params, out)``: the generator drops an instruction whose inputs sit at a point
where the maths is undefined, or so close to a kink (relu at 0, a tie in max, the edge of a
clamp) that float32 rounding alone could pick a different branch in each library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .draw import (
    _away,
    _cat_params,
    _chunk,
    _clamp,
    _expand,
    _extreme_params,
    _flatten,
    _index_params,
    _int_dim_params,
    _narrow,
    _no_ties,
    _perm,
    _pow_check,
    _pow_params,
    _reduce,
    _reduce_params,
    _repeat,
    _reshape_shape,
    _scalar,
    _softmax_params,
    _squeeze,
    _stack_params,
    _two_dims,
    _unsqueeze,
)


@dataclass(frozen=True)
class OpSpec:
    name: str
    fn: Callable
    text: str  # str.format template: {0}, {1}... operands; {name} a parameter's repr
    arity: int = 1
    params: Callable | None = None
    partner: str = "broadcast"  # broadcast | matmul | same | cat (shapes of operands 2..)
    check: Callable | None = None


def _min_abs(limit):
    return lambda a, p, out: np.all(np.abs(a[0]) > limit)


def _small(a, p, out):
    return np.all(np.abs(a[0]) < 20)


def _f(name):
    def fn(T, *xs, **kw):
        F = T.nn.functional
        return getattr(F, name)(*xs, **kw)

    return fn


UNARY = [
    OpSpec("neg", lambda T, x: -x, "-{0}"),
    OpSpec("exp", lambda T, x: x.exp(), "{0}.exp()", check=lambda a, p, o: np.all(a[0] < 5)),
    OpSpec("log", lambda T, x: x.log(), "{0}.log()", check=lambda a, p, o: np.all(a[0] > 0.05)),
    OpSpec("log_abs", lambda T, x: (x.abs() + 0.5).log(), "({0}.abs() + 0.5).log()"),
    OpSpec(
        "sqrt", lambda T, x: T.sqrt(x), "torch.sqrt({0})", check=lambda a, p, o: np.all(a[0] > 0.05)
    ),
    OpSpec("tanh", lambda T, x: x.tanh(), "{0}.tanh()"),
    OpSpec("sigmoid", lambda T, x: T.sigmoid(x), "torch.sigmoid({0})"),
    OpSpec("relu", lambda T, x: x.relu(), "{0}.relu()", check=lambda a, p, o: _away(a[0])),
    OpSpec("abs", lambda T, x: x.abs(), "{0}.abs()", check=lambda a, p, o: _away(a[0])),
    OpSpec("square", lambda T, x: x * x, "{0} * {0}"),
    # a large float32 argument is ill-conditioned (seed 325298: sin(2400), 0.15% apart)
    OpSpec("sin", lambda T, x: x.sin(), "{0}.sin()", check=_small),
    OpSpec("cos", lambda T, x: T.cos(x), "torch.cos({0})", check=_small),
    OpSpec("reciprocal", lambda T, x: 1 / x, "1 / {0}", check=_min_abs(0.2)),
    OpSpec("pow", lambda T, x, p: x**p, "{0} ** {p}", params=_pow_params, check=_pow_check),
    OpSpec("softplus", _f("softplus"), "F.softplus({0})"),
    OpSpec("gelu", _f("gelu"), "F.gelu({0})"),
    OpSpec("silu", _f("silu"), "F.silu({0})"),
    OpSpec("elu", _f("elu"), "F.elu({0})", check=lambda a, p, o: _away(a[0])),
    OpSpec("leaky_relu", _f("leaky_relu"), "F.leaky_relu({0})", check=lambda a, p, o: _away(a[0])),
    OpSpec(
        "clamp",
        lambda T, x, lo, hi: x.clamp(lo, hi),
        "{0}.clamp({lo}, {hi})",
        params=_clamp,
        check=lambda a, p, o: _away(a[0], p["lo"]) and (p["hi"] is None or _away(a[0], p["hi"])),
    ),
    OpSpec("add_scalar", lambda T, x, s: x + s, "{0} + {s}", params=_scalar),
    OpSpec("mul_scalar", lambda T, x, s: s * x, "{s} * {0}", params=_scalar),
    OpSpec("rsub_scalar", lambda T, x, s: s - x, "{s} - {0}", params=_scalar),
    OpSpec("div_scalar", lambda T, x, s: x / s, "{0} / {s}", params=_scalar),
    OpSpec("to_float64", lambda T, x: x.to(T.float64), "{0}.to(torch.float64)"),
    OpSpec("to_float32", lambda T, x: x.float(), "{0}.float()"),
    OpSpec("double", lambda T, x: x.double(), "{0}.double()"),
    OpSpec("detach", lambda T, x: x.detach(), "{0}.detach()"),
    OpSpec("clone", lambda T, x: x.clone(), "{0}.clone()"),
]

BINARY = [
    OpSpec("add", lambda T, a, b: a + b, "{0} + {1}", 2),
    OpSpec("sub", lambda T, a, b: a - b, "{0} - {1}", 2),
    OpSpec("add_alpha", lambda T, a, b: T.add(a, b, alpha=2), "torch.add({0}, {1}, alpha=2)", 2),
    OpSpec("mul", lambda T, a, b: a * b, "{0} * {1}", 2),
    OpSpec(
        "div",
        lambda T, a, b: a / b,
        "{0} / {1}",
        2,
        check=lambda a, p, o: _min_abs(0.2)(a[1:], p, o),
    ),
    OpSpec(
        "maximum",
        lambda T, a, b: T.maximum(a, b),
        "torch.maximum({0}, {1})",
        2,
        check=lambda a, p, o: _away(a[0] - a[1]),
    ),
    OpSpec(
        "minimum",
        lambda T, a, b: T.minimum(a, b),
        "torch.minimum({0}, {1})",
        2,
        check=lambda a, p, o: _away(a[0] - a[1]),
    ),
    OpSpec(
        "pow_tensor",
        lambda T, a, b: (a.abs() + 0.5) ** b,
        "({0}.abs() + 0.5) ** {1}",
        2,
        check=lambda a, p, o: np.all(np.abs(a[1]) < 4),
    ),
    OpSpec(
        "where",
        lambda T, c, a, b: T.where(c > 0, a, b),
        "torch.where({0} > 0, {1}, {2})",
        3,
        check=lambda a, p, o: _away(a[0], exact_ok=False),
    ),
]

REDUCTIONS = [
    OpSpec("sum", _reduce("sum"), "{0}.sum(dim={dim}, keepdim={keepdim})", params=_reduce_params),
    OpSpec(
        "mean", _reduce("mean"), "{0}.mean(dim={dim}, keepdim={keepdim})", params=_reduce_params
    ),
    OpSpec(
        "amax",
        lambda T, x, dim, keepdim: T.amax(x, dim=dim, keepdim=keepdim),
        "torch.amax({0}, dim={dim}, keepdim={keepdim})",
        params=_extreme_params,
        check=_no_ties,
    ),
    OpSpec(
        "amin",
        lambda T, x, dim, keepdim: x.amin(dim=dim, keepdim=keepdim),
        "{0}.amin(dim={dim}, keepdim={keepdim})",
        params=_extreme_params,
        check=_no_ties,
    ),
    OpSpec(
        "max_dim",
        lambda T, x, dim, keepdim: x.max(dim=dim, keepdim=keepdim)[0],
        "{0}.max(dim={dim}, keepdim={keepdim})[0]",
        params=_int_dim_params,
        check=_no_ties,
    ),
    OpSpec(
        "logsumexp",
        lambda T, x, dim, keepdim: T.logsumexp(x, dim=dim, keepdim=keepdim),
        "torch.logsumexp({0}, dim={dim}, keepdim={keepdim})",
        params=_int_dim_params,
    ),
    OpSpec(
        "var",
        lambda T, x, dim, keepdim: x.var(dim=dim, keepdim=keepdim),
        "{0}.var(dim={dim}, keepdim={keepdim})",
        params=_reduce_params,
    ),
    OpSpec(
        "std",
        lambda T, x, dim, keepdim: x.std(dim=dim, keepdim=keepdim, unbiased=False),
        "{0}.std(dim={dim}, keepdim={keepdim}, unbiased=False)",
        params=_reduce_params,
        check=lambda a, p, o: np.all(np.asarray(o) > 0.05),
    ),
    OpSpec(
        "prod",
        lambda T, x, dim, keepdim: x.prod(dim=dim, keepdim=keepdim),
        "{0}.prod(dim={dim}, keepdim={keepdim})",
        params=_int_dim_params,
        check=lambda a, p, o: np.all(np.abs(a[0]) > 0.05),
    ),
    OpSpec("norm", lambda T, x: x.norm(), "{0}.norm()", check=lambda a, p, o: np.all(o > 0.05)),
    OpSpec("cumsum", lambda T, x, dim: x.cumsum(dim), "{0}.cumsum({dim})", params=_softmax_params),
    OpSpec(
        "softmax",
        lambda T, x, dim: T.softmax(x, dim),
        "torch.softmax({0}, {dim})",
        params=_softmax_params,
    ),
    OpSpec(
        "log_softmax", _f("log_softmax"), "F.log_softmax({0}, dim={dim})", params=_softmax_params
    ),
]

SHAPE = [
    OpSpec(
        "view",
        lambda T, x, shape: x.view(shape),
        "{0}.view({shape})",
        params=lambda r, s: {"shape": _reshape_shape(r, s[0])},
    ),
    OpSpec(
        "reshape",
        lambda T, x, shape: x.reshape(shape),
        "{0}.reshape({shape})",
        params=lambda r, s: {"shape": _reshape_shape(r, s[0])},
    ),
    OpSpec(
        "flatten",
        lambda T, x, start, end: x.flatten(start, end),
        "{0}.flatten({start}, {end})",
        params=_flatten,
    ),
    OpSpec(
        "transpose",
        lambda T, x, d0, d1: x.transpose(d0, d1),
        "{0}.transpose({d0}, {d1})",
        params=_two_dims,
    ),
    OpSpec("permute", lambda T, x, dims: x.permute(dims), "{0}.permute({dims})", params=_perm),
    OpSpec("t", lambda T, x: x.t(), "{0}.t()"),
    # on fewer than 2 dims PyTorch's mT is deprecated (it returns its input itself)
    OpSpec("mT", lambda T, x: x.mT, "{0}.mT", params=lambda r, s: {} if len(s[0]) > 1 else None),
    OpSpec(
        "unsqueeze", lambda T, x, dim: x.unsqueeze(dim), "{0}.unsqueeze({dim})", params=_unsqueeze
    ),
    OpSpec("squeeze", lambda T, x, dim: x.squeeze(dim), "{0}.squeeze({dim})", params=_squeeze),
    OpSpec("squeeze_all", lambda T, x: x.squeeze(), "{0}.squeeze()"),
    OpSpec("expand", lambda T, x, sizes: x.expand(*sizes), "{0}.expand{sizes}", params=_expand),
    OpSpec("index", lambda T, x, key: x[key.key], "{0}[{key}]", params=_index_params),
    OpSpec(
        "mask",
        lambda T, x: x[x > 0],
        "{0}[{0} > 0]",
        check=lambda a, p, o: _away(a[0], exact_ok=False),
    ),
    OpSpec(
        "narrow",
        lambda T, x, dim, start, length: x.narrow(dim, start, length),
        "{0}.narrow({dim}, {start}, {length})",
        params=_narrow,
    ),
    OpSpec(
        "select",
        lambda T, x, dim: x.select(dim, -1),
        "{0}.select({dim}, -1)",
        params=_softmax_params,
    ),
    OpSpec("flip", lambda T, x, dim: x.flip(dim), "{0}.flip({dim})", params=_softmax_params),
    OpSpec(
        "movedim",
        lambda T, x, d0, d1: x.movedim(d0, d1),
        "{0}.movedim({d0}, {d1})",
        params=_two_dims,
    ),
    OpSpec("repeat", lambda T, x, reps: x.repeat(*reps), "{0}.repeat{reps}", params=_repeat),
    OpSpec(
        "chunk",
        lambda T, x, chunks, dim, i: x.chunk(chunks, dim)[i],
        "{0}.chunk({chunks}, {dim})[{i}]",
        params=_chunk,
    ),
    OpSpec(
        "unbind",
        lambda T, x, dim: x.unbind(dim)[-1],
        "{0}.unbind({dim})[-1]",
        params=_softmax_params,
    ),
    OpSpec("contiguous", lambda T, x: x.contiguous(), "{0}.contiguous()"),
]

JOIN = [
    OpSpec("matmul", lambda T, a, b: a @ b, "{0} @ {1}", 2, partner="matmul"),
    OpSpec(
        "matmul_fn", lambda T, a, b: T.matmul(a, b), "torch.matmul({0}, {1})", 2, partner="matmul"
    ),
    OpSpec(
        "cat",
        lambda T, *xs, dim, n: T.cat(xs, dim=dim),
        "torch.cat([{xs}], dim={dim})",
        -1,
        params=_cat_params,
        partner="cat",
    ),
    OpSpec(
        "stack",
        lambda T, *xs, dim, n: T.stack(xs, dim=dim),
        "torch.stack([{xs}], dim={dim})",
        -1,
        params=_stack_params,
        partner="same",
    ),
]

# How often each group is drawn, relative to the others.
GROUPS = [(UNARY, 3.0), (BINARY, 3.0), (REDUCTIONS, 1.5), (SHAPE, 2.5), (JOIN, 1.2)]
MENU = {op.name: op for group, _ in GROUPS for op in group}
