"""Reductions over dimensions: sum, mean, prod, var, std, all, any.

The order statistics (max, min, sort, topk, ...) live in ``reduction_select.py``, the running
reductions (cumsum, cumprod) in ``reduction_cumulative.py``, ``norm`` in ``reduction_norm.py``
and logsumexp, with softmax, in ``softmax.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._dtype import to_numpy_dtype
from ..tensor import Tensor, _check_dim, _wrap
from . import _dual as D
from ._op import Op
from ._quiet import quiet, quietly
from ._util import UNSET, keepdim_without_dim, normalize_dims

# The public functions (``chainrule.<name>``); the classes are the ops themselves.
__all__ = [
    "sum",
    "mean",
    "prod",
    "var",
    "std",
    "all",
    "any",
]


# ---------------------------------------------------------------- helpers shared by the family
def _kept_shape(shape: tuple, dims) -> tuple:
    """``shape`` with the reduced dims kept as size 1 (keepdim=True's result shape)."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _reduced_dims(input: Tensor, dim, op: str):
    """``dim`` as a sorted tuple of axes, or None for all of them (always None for a 0-d
    tensor, where PyTorch accepts dim 0 / -1 but NumPy has no axis to reduce)."""
    dims = normalize_dims(dim, input._data.ndim, op)
    return None if input._data.ndim == 0 else dims


def _out_shape(shape: tuple, dims, keepdim: bool) -> tuple:
    """The result shape of reducing ``shape`` over ``dims`` (all when None)."""
    if keepdim:
        return _kept_shape(shape, dims)
    return () if dims is None else tuple(s for i, s in enumerate(shape) if i not in dims)


def _count(shape: tuple, dims) -> int:
    """How many elements each output element reduces."""
    if dims is None:
        return int(np.prod(shape))
    return int(np.prod([shape[d] for d in dims]))


def _as_array(v) -> np.ndarray:
    """The array behind a saved value (a Tensor when the backward pass is recorded)."""
    return v._data if isinstance(v, Tensor) else v


def _integral_to_int64(input: Tensor, dtype) -> Tensor:
    """PyTorch's accumulation dtype: ``dtype=`` wins; bool and integer tensors become int64."""
    if dtype is not None:
        return input.to(to_numpy_dtype(dtype))
    if input._data.dtype.kind in "biu" and input._data.dtype != np.int64:
        return input.to(np.int64)
    return input


def _require_float(input: Tensor, op: str, message: str | None = None) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            message or f"{op}(): expected a floating point tensor as input, got {input.dtype}"
        )


def without_self(x: Tensor, d: int) -> Tensor:
    """M with M[..., i, j, ...] = x[..., j, ...] for j != i and 1 on the diagonal (i, j at
    axes d, d + 1): row i of M is x with its i-th element along ``d`` replaced by 1.

    The gradients of prod and cumprod at zeros are products that leave one factor out; built
    from M with differentiable ops, they stay exact when differentiated again
    (``create_graph=True``), as PyTorch's are. It costs n times the memory, so it is only used
    for a recorded backward pass over an input that holds zeros.
    """
    shape = tuple(x.shape)
    n = shape[d]
    rows = D.expand(D.reshape(x, shape[:d] + (1,) + shape[d:]), shape[:d] + (n,) + shape[d:])
    eye = np.eye(n, dtype=bool).reshape((1,) * d + (n, n) + (1,) * (len(shape) - d - 1))
    return D.where(eye, 1.0, rows)


# ---------------------------------------------------------------- ops
class Sum(Op):
    """Sum over ``dims`` (all of them when None).

    forward:  y = sum_{dims} x
    gradient: dL/dx = g, broadcast back over the summed dims
    saves:    x's shape
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        # a sum of finite values may overflow to inf: silent, as in PyTorch
        return quietly(np.add.reduce, x, dims, x.dtype, None, keepdim)

    @staticmethod
    def backward(ctx, g):
        if ctx.dims is None and type(g) is np.ndarray:  # a loss's sum(): g fills x's shape
            out = np.empty(ctx.shape, g.dtype)
            out[...] = g
            return out, None, None
        if not ctx.keepdim:
            g = D.reshape(g, _kept_shape(ctx.shape, ctx.dims))
        return D.broadcast_grad(g, ctx.shape), None, None


class SumDim(Sum):
    node_name = "SumBackward1"  # PyTorch's name when dim is given


class Mean(Op):
    """Mean over ``dims`` (all of them when None).

    forward:  y = sum_{dims} x / n,  n = number of elements averaged
    gradient: dL/dx = g / n, broadcast back over the averaged dims
    saves:    x's shape
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _count(x.shape, dims)
        if ctx.n == 0:  # the mean of nothing is nan (PyTorch's answer, without a warning)
            return np.full(_out_shape(x.shape, dims, keepdim), np.nan, x.dtype)
        with quiet():  # the sum inside may overflow to inf: silent, as in PyTorch
            return np.asarray(x.mean(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim:
            g = D.reshape(g, _kept_shape(ctx.shape, ctx.dims))
        return D.broadcast_grad(g, ctx.shape) / ctx.n, None, None


class MeanDim(Mean):
    node_name = "MeanBackward1"


class Prod(Op):
    """Product over one dim (over all elements when ``dim`` is None).

    forward:  y = prod_{dim} x
    gradient: dL/dx_i = g * prod_{j != i} x_j, which is g * y / x_i when x has no zeros;
              with zeros, the products leaving x_i out are formed directly (one zero in a
              slice: only that element gets a gradient; two or more: none does), as PyTorch
    saves:    x, y
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        y = np.asarray(np.prod(x, axis=dim, keepdims=keepdim and dim is not None, dtype=x.dtype))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        shape, dim = ctx.shape, ctx.dim
        if len(shape) == 0:
            return g, None, None
        kept = _kept_shape(shape, None if dim is None else (dim,))
        g, y = D.reshape(g, kept), D.reshape(y, kept)
        x_arr = _as_array(x)
        if not (x_arr == 0).any():
            return g * (y / x), None, None
        return g * _prod_others(x, dim), None, None


class ProdDim(Prod):
    node_name = "ProdBackward1"


def _prod_others(x, dim):
    """prod_{j != i} x_j along ``dim`` (all elements when None), exact with zeros."""
    shape = tuple(x.shape)
    flat = dim is None
    d = 0 if flat else dim
    if flat:
        x = D.reshape(x, (int(np.prod(shape)),))
    if isinstance(x, Tensor):
        others = Prod.apply(without_self(x, d), d + 1, False)
    else:  # exclusive running products from the left and from the right: O(n)
        with np.errstate(over="ignore", invalid="ignore"):
            n = x.shape[d]
            ones = np.ones_like(np.take(x, [0], axis=d))
            left = np.cumprod(np.take(x, range(n - 1), axis=d), axis=d)
            right = np.flip(np.cumprod(np.flip(np.take(x, range(1, n), axis=d), d), d), d)
            others = np.concatenate([ones, left], d) * np.concatenate([right, ones], d)
    return D.reshape(others, shape) if flat else others


class Var(Op):
    """Variance over ``dims`` with Bessel's ``correction``.

    forward:  y = sum_{dims} (x - mean)^2 / N,  N = max(0, n - correction)
    gradient: dL/dx = g * 2 (x - mean) / N
    saves:    x
    """

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _count(x.shape, dims)
        ctx.divisor = max(0, ctx.n - correction)
        ctx.save_for_backward(x)
        return _variance(x, dims, keepdim, ctx.n, ctx.divisor)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.n == 0:
            return D.zeros_like(x), None, None, None
        if not ctx.keepdim:
            g = D.reshape(g, _kept_shape(ctx.shape, ctx.dims))
        scale = float(np.float64(2.0) / ctx.divisor)
        return scale * g * (x - D.sum_dims(x, ctx.dims, True) / ctx.n), None, None, None


class Std(Op):
    """Standard deviation: the square root of Var, fused so the gradient is one formula.

    forward:  y = sqrt(sum_{dims} (x - mean)^2 / N),  N = max(0, n - correction)
    gradient: dL/dx = g * (x - mean) / (N * y),  and 0 where y == 0 (every x the same: std
              has no derivative there, and PyTorch masks the 0 / 0 to 0, a subgradient)
    saves:    x, y
    """

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _count(x.shape, dims)
        ctx.divisor = max(0, ctx.n - correction)
        y = np.sqrt(_variance(x, dims, keepdim, ctx.n, ctx.divisor))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if ctx.n == 0:
            return D.zeros_like(x), None, None, None
        if not ctx.keepdim:
            kept = _kept_shape(ctx.shape, ctx.dims)
            g, y = D.reshape(g, kept), D.reshape(y, kept)
        scale = float(np.float64(2.0) / ctx.divisor)
        mean = D.sum_dims(x, ctx.dims, True) / ctx.n
        g_var = D.where(y == 0, 0.0, g / (2 * y))  # dL/dvar, with PyTorch's mask
        return scale * g_var * (x - mean), None, None, None


def _variance(x: np.ndarray, dims, keepdim: bool, n: int, divisor) -> np.ndarray:
    if x.size == 0 or divisor == 0:  # PyTorch warns for any empty input
        warnings.warn(
            "var(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=4,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = x - x.sum(axis=dims, keepdims=True) / n
            return np.asarray((dev * dev).sum(axis=dims, keepdims=keepdim) / divisor)
    dev = x - x.mean(axis=dims, keepdims=True)
    return np.asarray((dev * dev).sum(axis=dims, keepdims=keepdim) / divisor)


# ---------------------------------------------------------------- public functions
def _dim_keepdim(op: str, dim, keepdim, signatures: tuple) -> tuple:
    """``dim`` and ``keepdim`` with UNSET resolved (None, False); ``keepdim`` without ``dim``
    is PyTorch's TypeError."""
    if dim is UNSET:
        if keepdim is not UNSET:
            raise keepdim_without_dim(op, keepdim, signatures, method=False)
        return None, False
    return dim, (False if keepdim is UNSET else keepdim)


# The signatures PyTorch lists when ``keepdim`` comes without ``dim`` (see UNSET).
SUM_SIGNATURES = (
    "(*, dtype dtype = None)",
    "(tuple of ints dim, bool keepdim = False, *, dtype dtype = None)",
)
PROD_SIGNATURES = (
    "(*, dtype dtype = None)",
    "(int dim, bool keepdim = False, *, dtype dtype = None)",
)


def sum(input: Tensor, dim=UNSET, keepdim: bool = UNSET, *, dtype=None):  # noqa: A001
    """Sum of elements over ``dim`` (an int, a tuple of ints, or None for all).

    Integer and bool tensors sum to int64, as in PyTorch.
    """
    dim, keepdim = _dim_keepdim("sum", dim, keepdim, SUM_SIGNATURES)
    input = _integral_to_int64(input, dtype)
    dims = _reduced_dims(input, dim, "sum")
    return (Sum if dim is None else SumDim).apply(input, dims, keepdim)


def mean(input: Tensor, dim=UNSET, keepdim: bool = UNSET, *, dtype=None):
    """Mean of elements over ``dim``; only floating tensors (as in PyTorch)."""
    dim, keepdim = _dim_keepdim("mean", dim, keepdim, SUM_SIGNATURES)
    if dtype is not None:
        input = input.to(to_numpy_dtype(dtype))
    _require_float(
        input,
        "mean",
        "mean(): could not infer output dtype. Input dtype must be either a floating "
        f"point or complex dtype. Got: {input.dtype}",
    )
    dims = _reduced_dims(input, dim, "mean")
    return (Mean if dim is None else MeanDim).apply(input, dims, keepdim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = UNSET, *, dtype=None):
    """Product of all elements, or over the single dim ``dim``.

    Integer and bool tensors multiply to int64, as in PyTorch.
    """
    if keepdim is UNSET:
        keepdim = False
    elif dim is None:
        raise keepdim_without_dim("prod", keepdim, PROD_SIGNATURES, method=False)
    input = _integral_to_int64(input, dtype)
    if dim is None:
        return Prod.apply(input, None, False)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): dim must be a single int, got {type(dim).__name__} {dim}")
    return ProdDim.apply(input, _check_dim(dim, input._data.ndim, "prod"), keepdim)


def _correction(op: str, dim, unbiased, correction):
    """PyTorch's two spellings: ``unbiased`` (bool, older) or ``correction`` (a number)."""
    if isinstance(dim, bool):  # var(x, False): the legacy positional ``unbiased``
        if unbiased is not None:
            raise TypeError(f"{op}(): got unbiased twice (as dim={dim} and unbiased={unbiased})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_like(cls, op: str, input, dim, unbiased, keepdim, correction):
    dim, correction = _correction(op, dim, unbiased, correction)
    _require_float(input, op, "std and var only support floating point and complex dtypes")
    return cls.apply(input, _reduced_dims(input, dim, op), correction, keepdim)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance over ``dim``; divides by ``n - correction`` (1 by default: unbiased).

    ``unbiased=False`` is the older spelling of ``correction=0``.
    """
    return _var_like(Var, "var", input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation over ``dim``; see ``var`` for ``correction`` and ``unbiased``."""
    return _var_like(Std, "std", input, dim, unbiased, keepdim, correction)


def _logical_reduction(np_fn, input: Tensor, dim, keepdim: bool, op: str) -> Tensor:
    x = input._data
    out = np.asarray(np_fn(x, axis=_reduced_dims(input, dim, op), keepdims=keepdim))
    if x.dtype == np.uint8:  # PyTorch keeps uint8 for uint8 inputs
        out = out.astype(np.uint8)
    return _wrap(out)


def all(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """Whether every element (over ``dim``) is nonzero; a bool tensor, never differentiable."""
    return _logical_reduction(np.all, input, dim, keepdim, "all")


def any(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """Whether some element (over ``dim``) is nonzero; a bool tensor, never differentiable."""
    return _logical_reduction(np.any, input, dim, keepdim, "any")
