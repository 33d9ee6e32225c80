"""Tensor methods for elementwise maths, comparisons and activations (operators included)."""

from __future__ import annotations

from ..autograd._apply_fast import apply_binary, apply_unary
from ..ops import elementwise as E
from ..ops.activation import Relu, Sigmoid, Tanh, relu, sigmoid, tanh
from ..ops.linalg import MatMul, matmul
from ..tensor import Tensor


def _operator(op, function, name: str, reflected: bool = False):
    """A binary operator method: the op directly (``apply_binary``) when no promotion is
    needed, else the public ``function`` (which promotes dtypes and raises PyTorch's errors).

    NOTE: a floating tensor with a Python float or int (not bool) or a tensor of the same
    dtype (the same NumPy dtype object: an equal one that is not takes the long way) needs
    no promotion (NumPy's rules agree with PyTorch's there), so it skips
    argument handling; that test is written out here (it runs on every + - * /).
    A broadcast mismatch raises ValueError in NumPy and falls through to ``function``,
    which raises PyTorch's RuntimeError naming the shapes.
    """

    def method(self, other):
        d = self._data.dtype
        if d.kind == "f":
            kind = type(other)
            if (
                kind is float
                or kind is int
                or (isinstance(other, Tensor) and other._data.dtype is d)
            ):
                try:
                    if reflected:
                        return apply_binary(op, other, self)
                    return apply_binary(op, self, other)
                except ValueError:
                    pass
        return function(other, self) if reflected else function(self, other)

    method.__name__ = method.__qualname__ = name
    return method


class ArithmeticMethods:
    """Installed on Tensor by ``_methods.install``; each method is one line calling an op
    (``E`` is ``ops/elementwise.py``, which gathers the whole elementwise family)."""

    __slots__ = ()

    # ------------------------------------------------------------------ operators
    # + - * / are the hottest calls in any model: see _operator for their direct path.
    __add__ = _operator(E.Add, E.add, "__add__")
    __radd__ = _operator(E.Add, E.add, "__radd__", reflected=True)
    __sub__ = _operator(E.Sub, E.sub, "__sub__")
    __rsub__ = _operator(E.Sub, E.sub, "__rsub__", reflected=True)
    __mul__ = _operator(E.Mul, E.mul, "__mul__")
    __rmul__ = _operator(E.Mul, E.mul, "__rmul__", reflected=True)
    __truediv__ = _operator(E.Div, E.div, "__truediv__")
    __rtruediv__ = _operator(E.Div, E.div, "__rtruediv__", reflected=True)

    def __floordiv__(self, other):
        return E.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return E.floor_divide(other, self)

    def __mod__(self, other):
        return E.remainder(self, other)

    def __rmod__(self, other):
        return E.remainder(other, self)

    def __pow__(self, exponent):
        kind = type(exponent)
        if (kind is int or kind is float) and self._data.dtype.kind == "f":
            return apply_unary(E.PowScalar, self, exponent)  # the common x ** 2
        return E.pow(self, exponent)

    def __rpow__(self, base):
        return E.pow(base, self)

    def __matmul__(self, other):
        # direct for two matrices of one floating dtype whose inner sizes agree; matmul()
        # checks (and explains) everything else
        if isinstance(other, Tensor):
            a, b = self._data, other._data
            if (
                a.ndim == 2
                and b.ndim == 2
                and a.shape[1] == b.shape[0]
                and a.dtype is b.dtype
                and a.dtype.kind == "f"
            ):
                return apply_binary(MatMul, self, other)
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return E.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return E.abs(self)

    def __round__(self, ndigits=None):
        return E.round(self) if ndigits is None else E.round(self, decimals=ndigits)

    def __eq__(self, other):  # type: ignore[override]
        return E.eq(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return E.ne(self, other)

    def __lt__(self, other):
        return E.lt(self, other)

    def __le__(self, other):
        return E.le(self, other)

    def __gt__(self, other):
        return E.gt(self, other)

    def __ge__(self, other):
        return E.ge(self, other)

    def __and__(self, other):
        return E.bitwise_and(self, other)

    def __rand__(self, other):
        return E.bitwise_and(other, self)

    def __or__(self, other):
        return E.bitwise_or(self, other)

    def __ror__(self, other):
        return E.bitwise_or(other, self)

    def __xor__(self, other):
        return E.bitwise_xor(self, other)

    def __rxor__(self, other):
        return E.bitwise_xor(other, self)

    def __invert__(self):
        return E.logic.invert(self)

    # ------------------------------------------------------------------ arithmetic
    def add(self, other, *, alpha=1):
        return E.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return E.sub(self, other, alpha=alpha)

    def subtract(self, other, *, alpha=1):
        return E.sub(self, other, alpha=alpha)

    def mul(self, other):
        return E.mul(self, other)

    def multiply(self, other):
        return E.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return E.div(self, other, rounding_mode=rounding_mode)

    def divide(self, other, *, rounding_mode=None):
        return E.div(self, other, rounding_mode=rounding_mode)

    def true_divide(self, other):
        return E.true_divide(self, other)

    def floor_divide(self, other):
        return E.floor_divide(self, other)

    def neg(self):
        return E.neg(self)

    def negative(self):
        return E.neg(self)

    def pow(self, exponent):
        return E.pow(self, exponent)

    def matmul(self, other):
        return matmul(self, other)

    def lerp(self, end, weight):
        return E.lerp(self, end, weight)

    def where(self, condition, other):
        return E.where(condition, self, other)

    # ------------------------------------------------------------------ exponential family
    def exp(self):
        return E.exp(self)

    def exp2(self):
        return E.exp2(self)

    def expm1(self):
        return E.expm1(self)

    def log(self):
        return E.log(self)

    def log2(self):
        return E.log2(self)

    def log10(self):
        return E.log10(self)

    def log1p(self):
        return E.log1p(self)

    def logaddexp(self, other):
        return E.logaddexp(self, other)

    def sqrt(self):
        return E.sqrt(self)

    def rsqrt(self):
        return E.rsqrt(self)

    def square(self):
        return E.square(self)

    def reciprocal(self):
        return E.reciprocal(self)

    def erf(self):
        return E.erf(self)

    # ------------------------------------------------------------------ trigonometry
    def sin(self):
        return E.sin(self)

    def cos(self):
        return E.cos(self)

    def tan(self):
        return E.tan(self)

    def asin(self):
        return E.asin(self)

    def acos(self):
        return E.acos(self)

    def atan(self):
        return E.atan(self)

    def atan2(self, other):
        return E.atan2(self, other)

    def arcsin(self):
        return E.asin(self)

    def arccos(self):
        return E.acos(self)

    def arctan(self):
        return E.atan(self)

    def arctan2(self, other):
        return E.atan2(self, other)

    def sinh(self):
        return E.sinh(self)

    def cosh(self):
        return E.cosh(self)

    def tanh(self):
        return apply_unary(Tanh, self) if self._data.dtype.kind == "f" else tanh(self)

    # ------------------------------------------------------------------ piecewise
    def abs(self):
        return E.abs(self)

    def absolute(self):
        return E.abs(self)

    def sign(self):
        return E.sign(self)

    def floor(self):
        return E.floor(self)

    def ceil(self):
        return E.ceil(self)

    def trunc(self):
        return E.trunc(self)

    def fix(self):
        return E.trunc(self)

    def round(self, decimals: int = 0):
        return E.round(self, decimals=decimals)

    def frac(self):
        return E.frac(self)

    def fmod(self, other):
        return E.fmod(self, other)

    def remainder(self, other):
        return E.remainder(self, other)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return E.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)

    def maximum(self, other):
        return E.maximum(self, other)

    def minimum(self, other):
        return E.minimum(self, other)

    def clamp(self, min=None, max=None):  # noqa: A002 - torch names
        return E.clamp(self, min, max)

    def clip(self, min=None, max=None):  # noqa: A002
        return E.clamp(self, min, max)

    # ------------------------------------------------------------------ activations
    def sigmoid(self):
        return apply_unary(Sigmoid, self) if self._data.dtype.kind == "f" else sigmoid(self)

    def relu(self):
        return apply_unary(Relu, self) if self._data.dtype.kind == "f" else relu(self)

    # ------------------------------------------------------------------ comparisons, logic
    def eq(self, other):
        return E.eq(self, other)

    def ne(self, other):
        return E.ne(self, other)

    def lt(self, other):
        return E.lt(self, other)

    def le(self, other):
        return E.le(self, other)

    def gt(self, other):
        return E.gt(self, other)

    def ge(self, other):
        return E.ge(self, other)

    def bitwise_and(self, other):
        return E.bitwise_and(self, other)

    def bitwise_or(self, other):
        return E.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return E.bitwise_xor(self, other)

    def bitwise_not(self):
        return E.bitwise_not(self)

    def logical_and(self, other):
        return E.logical_and(self, other)

    def logical_or(self, other):
        return E.logical_or(self, other)

    def logical_xor(self, other):
        return E.logical_xor(self, other)

    def logical_not(self):
        return E.logical_not(self)

    def isnan(self):
        return E.isnan(self)

    def isinf(self):
        return E.isinf(self)

    def isfinite(self):
        return E.isfinite(self)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return E.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return E.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def equal(self, other):
        return E.equal(self, other)
