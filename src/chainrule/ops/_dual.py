"""The vocabulary of backward formulas: helpers that work on NumPy arrays and on Tensors.

A backward formula receives arrays in a normal backward pass and Tensors when the backward
pass is recorded (``create_graph=True``). Python operators (``+ - * / ** @``, comparisons)
already work on both; the functions here cover the rest. On arrays they call NumPy
directly; on Tensors they call the differentiable op, so the formula itself is recorded and
can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def reshape(x, shape):
    return _shape.Reshape.apply(x, tuple(shape)) if isinstance(x, Tensor) else x.reshape(shape)


def expand(x, shape):
    """Broadcast ``x`` to ``shape`` (a read-only view on arrays)."""
    if isinstance(x, Tensor):
        return _shape.Expand.apply(x, tuple(shape))
    return np.broadcast_to(x, shape)


def broadcast_grad(g, shape):
    """A gradient spread back over reduced dims: ``expand``, but a one-element ``g`` (the
    gradient of a full sum or mean) becomes a fresh filled array, which costs ~0.4 us
    where ``np.broadcast_to`` costs ~3 us, and which the engine may keep without a copy."""
    if isinstance(g, Tensor):
        return _shape.Expand.apply(g, tuple(shape))
    if g.size == 1:
        out = np.empty(shape, g.dtype)
        out[...] = g
        return out
    return np.broadcast_to(g, shape)


def swap_last(x):
    """Swap the last two axes (the matrix transpose of a batch of matrices)."""
    if isinstance(x, Tensor):
        return _shape.Transpose.apply(x, -2, -1)
    return x.swapaxes(-1, -2)  # the method: np.swapaxes adds a Python-level wrapper


def sum_dims(x, dims, keepdim: bool):
    if isinstance(x, Tensor):
        return _reduction.Sum.apply(x, dims, keepdim)
    return np.asarray(x.sum(axis=dims, keepdims=keepdim))


def sum_to(g, shape):
    """Sum a gradient of a broadcast shape back down to ``shape`` (undoes broadcasting).

    The engine applies this once for every op, so no op un-broadcasts by itself. Raises
    ValueError when ``shape`` does not broadcast to ``g``'s shape.
    """
    gshape = tuple(g.shape)
    if gshape == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    if lead < 0 or any(s not in (1, gs) for s, gs in zip(shape, gshape[lead:])):
        raise ValueError(f"a gradient of shape {list(gshape)} does not reduce to {list(shape)}")
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1
    )
    if dims:
        g = sum_dims(g, dims, False)
    return reshape(g, shape)


def where(cond, a, b):
    if isinstance(a, Tensor) or isinstance(b, Tensor) or isinstance(cond, Tensor):
        return _elementwise.where(cond, a, b)
    # a Python float beside an array: made the array's scalar type first, which gives the
    # same result and halves np.where's time (it converts Python floats slowly)
    if type(a) is float and type(b) is np.ndarray:
        a = b.dtype.type(a)
    elif type(b) is float and type(a) is np.ndarray:
        b = a.dtype.type(b)
    return np.where(cond, a, b)


def log(x):
    return _elementwise.Log.apply(x) if isinstance(x, Tensor) else np.log(x)


def sign(x):
    if isinstance(x, Tensor):
        return _elementwise.Sign.apply(x)
    from .rounding import sign_array  # PyTorch's sign: 0 at NaN

    return sign_array(np.asarray(x))


def zeros_like(x):
    if isinstance(x, Tensor):
        from ..tensor import _wrap

        return _wrap(np.zeros_like(x._data))
    return np.zeros_like(x)


# ---------------------------------------------------------------- reductions family
def exp(x):
    return _elementwise.Exp.apply(x) if isinstance(x, Tensor) else np.exp(x)


from . import elementwise as _elementwise  # noqa: E402  (circular: ops use this module)
from . import reduction as _reduction  # noqa: E402
from . import shape as _shape  # noqa: E402


# ---------------------------------------------------------------- elementwise family
def sqrt(x):
    return _exponential.Sqrt.apply(x) if isinstance(x, Tensor) else np.sqrt(x)


def sin(x):
    return _trig.Sin.apply(x) if isinstance(x, Tensor) else np.sin(x)


def cos(x):
    return _trig.Cos.apply(x) if isinstance(x, Tensor) else np.cos(x)


def sinh(x):
    return _trig.Sinh.apply(x) if isinstance(x, Tensor) else np.sinh(x)


def cosh(x):
    return _trig.Cosh.apply(x) if isinstance(x, Tensor) else np.cosh(x)


def sigmoid(x):
    """The logistic function, computed without overflow on arrays (see ops/activation.py)."""
    if isinstance(x, Tensor):
        return _activation.Sigmoid.apply(x)
    return _activation.stable_sigmoid(x)


# ---------------------------------------------------------------- shape and indexing family
def run(op, x, *args):
    """``op`` applied to ``x``: recorded (``op.apply``) on a Tensor, its bare ``forward`` on
    an array. For backward formulas that are the op itself or a sibling (flip, roll, tril:
    linear maps whose adjoint is of the same kind)."""
    if isinstance(x, Tensor):
        return op.apply(x, *args)
    return op.forward(op._node_cls(), x, *args)


def index(x, key, advanced: bool = False):
    """``x[key]`` with a key already parsed by ``ops/indexing.parse_key``."""
    if isinstance(x, Tensor):
        return (_indexing.AdvancedIndex if advanced else _indexing.Index).apply(x, key)
    return x[key]


from . import activation as _activation  # noqa: E402
from . import exponential as _exponential  # noqa: E402
from . import indexing as _indexing  # noqa: E402
from . import trig as _trig  # noqa: E402
