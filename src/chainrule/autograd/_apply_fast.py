"""``apply_unary`` and ``apply_binary``: ``Function.apply`` for the hottest call sites.

``apply`` handles any number of inputs with lists and loops. The operator methods and the
direct Tensor methods (``_methods/``) know their inputs' shape in advance: one or two
operands, one output, no view, nothing marked non-differentiable. For them these two
functions do what ``apply`` does with no list and no loop: about 0.7 us less per op (a
third of the bookkeeping), which is the difference on small models. They must stay
equivalent to ``apply`` for such ops (``tests/test_perf_paths_ops.py``,
``tests/test_perf_paths_engine.py`` and every parity test of the operators run through them).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap, _writes
from .anomaly import capture as _capture_trace
from .anomaly import state as _anomaly_state
from .function import _METAS, _NO_GRAD, _OUTPUT_0, Node, _intern_meta, _next_key
from .grad_mode import state as _grad_state

__all__ = ["apply_unary", "apply_binary", "apply_ternary"]

_PAD = tuple((None,) * n for n in range(8))  # ``_next``/``_meta`` entries of constants
_FIRST = tuple((True,) + (False,) * n for n in range(8))  # needs_input_grad: input 0 only
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))  # [ra][rb]
_NONES = tuple((None,) * n for n in range(8))  # _saved_src of constants only

# NOTE on allocations: every object a node keeps alive until backward is one more object
# for the garbage collector to walk, and its full collections come more often the more
# such objects are made. So what can be shared is: needs_input_grad pairs, all-constant
# _saved_src, and the (output_nr, shape, dtype) metadata of inputs that are results of
# other ops (interned in function._METAS). A 50,000-op chain keeps 3 objects per op instead
# of 7. A leaf's metadata is not interned: the lookup costs more than the tuple (~0.1 us,
# 10% of a recorded a + b), and a leaf's entries are few in the graphs that live long.


def apply_unary(cls, x: Tensor, *consts):
    """``cls.apply(x, *consts)`` for a built-in, non-view op with one output whose only
    Tensor input is ``x`` (``consts`` are Python values: an exponent, dims, a flag)."""
    ctx = cls._node_cls()
    d = x._data
    if x._requires_grad and _grad_state.enabled:
        fn = x._grad_fn
        n = len(consts)
        ctx.needs_input_grad = _FIRST[n]
        m = (x._output_nr, d.shape, d.dtype)
        if fn is None:  # a leaf (see the NOTE above)
            ctx._next = (x,) + _PAD[n]
            ctx._meta = (m,) + _PAD[n]
        else:
            ctx._next = (fn,) + _PAD[n]
            m = _METAS.get(m) or _intern_meta(m)
            ctx._meta = _METAS.get((m,)) or _intern_meta((m,)) if not n else (m,) + _PAD[n]
        ctx._key = _next_key()
        if _anomaly_state.enabled:
            ctx._forward_trace = _capture_trace()
        out = cls.forward(ctx, d, *consts)
        t = _output(ctx, out)
        saved = ctx._saved
        if saved:
            ctx._epoch = _writes[0]
            if len(saved) == 1:
                s = saved[0]
                if s is out:  # y alone: sigmoid, tanh, exp, relu
                    ctx._saved_src = _OUTPUT_0
                elif s is d:  # x alone
                    ctx._saved_src = (x,)
                else:
                    ctx._saved_src = (_source(s, out),)
            else:
                ctx._saved_src = tuple([x if s is d else _source(s, out) for s in saved])
        return t
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
            ma = (a._output_nr, va.shape, va.dtype)
            if fn is None:  # a leaf (see the NOTE above)
                ta = a
            else:
                ta = fn
                ma = _METAS.get(ma) or _intern_meta(ma)
        else:
            ta = ma = None
        if rb:
            fn = b._grad_fn
            mb = (b._output_nr, vb.shape, vb.dtype)
            if fn is None:  # a leaf (see the NOTE above)
                tb = b
            else:
                tb = fn
                mb = _METAS.get(mb) or _intern_meta(mb)
        else:
            tb = mb = None
        ctx.needs_input_grad = _NEEDS2[ra][rb]
        ctx._next = (ta, tb)
        ctx._meta = (ma, mb)
        ctx._key = _next_key()
        if _anomaly_state.enabled:
            ctx._forward_trace = _capture_trace()
        out = cls.forward(ctx, va, vb)
        t = _output(ctx, out)
        saved = ctx._saved
        if saved:
            # where each saved value came from (what _record_saved finds, written out):
            # an input Tensor's array, the output, or a constant
            ctx._epoch = _writes[0]
            src = []
            constant = True
            for s in saved:
                if s is va and va is not a:
                    src.append(a)
                elif s is vb and vb is not b:
                    src.append(b)
                elif s is out and (type(s) is np.ndarray or isinstance(s, np.generic)):
                    src.append(0)  # the output (see _source)
                else:
                    src.append(None)  # a constant: None, a number, a derived value
                    continue
                constant = False
            ctx._saved_src = _NONES[len(src)] if constant and len(src) < 8 else tuple(src)
        return t
    ctx.needs_input_grad = _NO_GRAD[2]
    out = cls.forward(ctx, va, vb)
    return _wrap(out if type(out) is np.ndarray else np.asarray(out))


def apply_ternary(cls, a: Tensor, b, c):
    """``cls.apply(a, b, c)`` for a built-in, non-view op with one output, where ``a`` is a
    Tensor and each of ``b`` and ``c`` a Tensor or a constant (None, a number, a string,
    an array): ``Linear`` (x, W, bias) and the fused losses (input, target, reduction)."""
    ctx = cls._node_cls()
    va, ra = a._data, a._requires_grad
    if isinstance(b, Tensor):
        vb, rb = b._data, b._requires_grad
    else:
        vb, rb = b, False
    if isinstance(c, Tensor):
        vc, rc = c._data, c._requires_grad
    else:
        vc, rc = c, False
    if (ra or rb or rc) and _grad_state.enabled:
        ta, ma = _edge(a, va) if ra else _NO_EDGE
        tb, mb = _edge(b, vb) if rb else _NO_EDGE
        tc, mc = _edge(c, vc) if rc else _NO_EDGE
        ctx.needs_input_grad = _NEEDS3[ra][rb][rc]
        ctx._next = (ta, tb, tc)
        ctx._meta = (ma, mb, mc)
        ctx._key = _next_key()
        if _anomaly_state.enabled:
            ctx._forward_trace = _capture_trace()
        out = cls.forward(ctx, va, vb, vc)
        t = _output(ctx, out)
        saved = ctx._saved
        if saved:
            ctx._epoch = _writes[0]  # where each saved value came from: see apply_binary
            src = []
            for s in saved:
                if s is va:
                    src.append(a)
                elif s is vb and vb is not b:
                    src.append(b)
                elif s is vc and vc is not c:
                    src.append(c)
                else:
                    src.append(_source(s, out))
            ctx._saved_src = tuple(src)
        return t
    ctx.needs_input_grad = _NO_GRAD[3]
    out = cls.forward(ctx, va, vb, vc)
    return _wrap(out if type(out) is np.ndarray else np.asarray(out))


_NO_EDGE = (None, None)
_NEEDS3 = tuple(
    tuple(tuple((ra, rb, rc) for rc in (False, True)) for rb in (False, True))
    for ra in (False, True)
)  # needs_input_grad of three inputs, [ra][rb][rc]


def _edge(t: Tensor, v: np.ndarray) -> tuple:
    """(``_next`` entry, ``_meta`` entry) of an input Tensor ``t`` (array ``v``) that
    requires grad: its grad_fn and interned metadata, or, for a leaf, itself."""
    fn = t._grad_fn
    m = (t._output_nr, v.shape, v.dtype)
    if fn is None:  # a leaf (see the NOTE above)
        return t, m
    return fn, _METAS.get(m) or _intern_meta(m)


def _output(ctx: Node, out) -> Tensor:
    """The output Tensor of a recorded op, ``ctx`` its grad_fn when it is floating
    (``_wrap`` and ``_attach`` in one: these ops mark nothing non-differentiable)."""
    data = out if type(out) is np.ndarray else np.asarray(out)
    return _wrap(data, ctx if data.dtype.kind == "f" else None)


def _source(s, out):
    """A saved value that is not an input's array: the output (0) or a constant (None)."""
    if s is out and (type(s) is np.ndarray or isinstance(s, np.generic)):
        return 0
    return None
