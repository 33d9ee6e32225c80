"""Tensor methods that reduce over dimensions (and softmax, which normalises along one)."""

from __future__ import annotations

from ..autograd._apply_fast import apply_unary
from ..ops import reduction as R
from ..ops import reduction_cumulative as C
from ..ops import reduction_norm as N
from ..ops import reduction_select as S
from ..ops import softmax as SM
from ..ops._util import UNSET, keepdim_without_dim


class ReductionMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op."""

    __slots__ = ()

    # ``keepdim`` without ``dim`` is PyTorch's TypeError (see ops/_util.UNSET); the methods
    # check it themselves for the message's "got (keepdim=bool, )", the method's wording.
    def sum(self, dim=UNSET, keepdim: bool = UNSET, *, dtype=None):
        if dim is UNSET:
            if keepdim is not UNSET:
                raise keepdim_without_dim("sum", keepdim, R.SUM_SIGNATURES, method=True)
            if dtype is None and self._data.dtype.kind == "f":
                return apply_unary(R.Sum, self, None, False)  # the loss's sum(): no checks
        return R.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=UNSET, keepdim: bool = UNSET, *, dtype=None):
        if dim is UNSET and keepdim is not UNSET:
            raise keepdim_without_dim("mean", keepdim, R.SUM_SIGNATURES, method=True)
        return R.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim: bool = UNSET, *, dtype=None):
        if dim is None and keepdim is not UNSET:
            raise keepdim_without_dim("prod", keepdim, R.PROD_SIGNATURES, method=True)
        return R.prod(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
        return R.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
        return R.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim: bool = False):
        return SM.logsumexp(self, dim, keepdim)

    def all(self, dim=None, keepdim: bool = False):
        return R.all(self, dim, keepdim)

    def any(self, dim=None, keepdim: bool = False):
        return R.any(self, dim, keepdim)

    def max(self, dim=None, keepdim: bool = UNSET, *, other=None):
        if dim is None and keepdim is not UNSET:
            raise keepdim_without_dim("max", keepdim, S.EXTREME_SIGNATURES, method=True)
        return S.max(self, dim, keepdim, other=other)

    def min(self, dim=None, keepdim: bool = UNSET, *, other=None):
        if dim is None and keepdim is not UNSET:
            raise keepdim_without_dim("min", keepdim, S.EXTREME_SIGNATURES, method=True)
        return S.min(self, dim, keepdim, other=other)

    def amax(self, dim=(), keepdim: bool = False):
        return S.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim: bool = False):
        return S.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim: bool = False):
        return S.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim: bool = False):
        return S.argmin(self, dim, keepdim)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False):
        return S.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False):
        return S.argsort(self, dim, descending, stable=stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
        return S.topk(self, k, dim, largest, sorted)

    def cumsum(self, dim: int, *, dtype=None):
        return C.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype=None):
        return C.cumprod(self, dim, dtype=dtype)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None):
        return N.norm(self, p, dim, keepdim, dtype)

    def softmax(self, dim: int, dtype=None):
        return SM.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype=None):
        return SM.log_softmax(self, dim, dtype)
