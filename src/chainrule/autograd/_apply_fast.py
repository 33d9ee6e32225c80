"""``apply_unary`` and ``apply_binary``: ``Function.apply`` for the hottest call sites.

``apply`` handles any number of inputs with lists and loops. The operator methods and the
direct Tensor methods (``_methods/``) know their inputs' shape in advance: one or two
operands, one output, no view. For them these two functions do what ``apply`` does with no
list and no loop: about 0.7 us less per op (a third of the bookkeeping), which is the
difference on small models. They must stay equivalent to ``apply`` for such ops
(``tests/test_perf_paths_ops.py`` and every parity test of the operators run through them).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap
from .anomaly import capture as _capture_trace
from .anomaly import state as _anomaly_state
from .function import _NO_GRAD, Node, _attach, _next_key
from .grad_mode import state as _grad_state

__all__ = ["apply_unary", "apply_binary"]

_PAD = tuple((None,) * n for n in range(8))  # ``_next``/``_meta`` entries of constants
_FIRST = tuple((True,) + (False,) * n for n in range(8))  # needs_input_grad: input 0 only


def apply_unary(cls, x: Tensor, *consts):
    """``cls.apply(x, *consts)`` for a built-in, non-view op with one output whose only
    Tensor input is ``x`` (``consts`` are Python values: an exponent, dims, a flag)."""
    ctx = cls._node_cls()
    d = x._data
    if x._requires_grad and _grad_state.enabled:
        fn = x._grad_fn
        n = len(consts)
        ctx.needs_input_grad = _FIRST[n]
        ctx._next = (x if fn is None else fn,) + _PAD[n]
        ctx._meta = ((x._output_nr, d.shape, d.dtype.char),) + _PAD[n]
        ctx._key = _next_key()
        if _anomaly_state.enabled:
            ctx._forward_trace = _capture_trace()
        return _recorded_output(ctx, cls.forward(ctx, d, *consts), (x,) + consts)
    n = 1 + len(consts)
    ctx.needs_input_grad = _NO_GRAD[n] if n < 16 else (False,) * n
    out = cls.forward(ctx, d, *consts)
    return _wrap(out if type(out) is np.ndarray else np.asarray(out))


def apply_binary(cls, a, b):
    """``cls.apply(a, b)`` for a built-in, non-view op with one output, where each of
    ``a`` and ``b`` is a Tensor or a Python number."""
    ctx = cls._node_cls()
    if isinstance(a, Tensor):
        va, ra = a._data, a._requires_grad
    else:
        va, ra = a, False
    if isinstance(b, Tensor):
        vb, rb = b._data, b._requires_grad
    else:
        vb, rb = b, False
    if (ra or rb) and _grad_state.enabled:
        if ra:
            fn = a._grad_fn
            ta, ma = (a if fn is None else fn), (a._output_nr, va.shape, va.dtype.char)
        else:
            ta = ma = None
        if rb:
            fn = b._grad_fn
            tb, mb = (b if fn is None else fn), (b._output_nr, vb.shape, vb.dtype.char)
        else:
            tb = mb = None
        ctx.needs_input_grad = (ra, rb)
        ctx._next = (ta, tb)
        ctx._meta = (ma, mb)
        ctx._key = _next_key()
        if _anomaly_state.enabled:
            ctx._forward_trace = _capture_trace()
        return _recorded_output(ctx, cls.forward(ctx, va, vb), (a, b))
    ctx.needs_input_grad = _NO_GRAD[2]
    out = cls.forward(ctx, va, vb)
    return _wrap(out if type(out) is np.ndarray else np.asarray(out))


def _recorded_output(ctx: Node, out, args: tuple) -> Tensor:
    """The output Tensor of a recorded one-output op (``apply``'s last step, ``_attach``)."""
    t = _wrap(out if type(out) is np.ndarray else np.asarray(out))
    _attach(ctx, t, out, args)
    return t
