"""``autograd.Function``: the one mechanism every differentiable operation goes through.

Calling ``MyOp.apply(*inputs)`` runs ``MyOp.forward`` and, when grad mode is on and some
input requires grad, records a graph node: an instance of ``MyOpBackward``, which is also the
``ctx`` that ``forward`` and ``backward`` receive. The node keeps, per forward input, an edge
to where that input's gradient must go next: the input's own ``grad_fn``, or the input
itself when it is a leaf. The engine (``engine.py``) walks those edges backwards.

Two flavours share this code:

* A user's Function (PyTorch's contract): ``forward`` receives Tensors and runs with grad
  mode off; ``backward`` receives and returns Tensors.
* chainrule's built-in ops set ``_raw = True`` (see ``ops/_op.py``): ``forward`` receives
  NumPy arrays, and ``backward`` receives arrays too, except when the backward pass itself is
  being recorded (``create_graph=True``); then it receives Tensors, and ``ctx.saved_tensors``
  hands back Tensors connected to the graph. Backward formulas are written once, with
  operators and helpers that work on both, which is what makes gradients of gradients work.
"""

from __future__ import annotations

from itertools import count

import numpy as np

from ..tensor import Tensor, _new, _wrap, _writes
from . import anomaly as _anomaly
from .anomaly import state as _anomaly_state
from .grad_mode import state as _grad_state

__all__ = ["Function", "FunctionCtx", "Node"]

# Every recorded node draws the next key: later nodes get smaller keys, so a heap of keys
# pops consumers before producers (the engine's order; see engine._run_all).
_next_key = count(-1, -1).__next__

_OUTPUT_0 = (0,)  # _saved_src when forward saved exactly its one output

# Interned ``Node._meta`` entries (and one-input ``_meta`` tuples): graphs repeat a few
# shapes, and a shared tuple is not one more object per node for the garbage collector.
_METAS: dict = {}


def _intern_meta(m: tuple) -> tuple:
    """Keep ``m`` in ``_METAS`` and return it (the cache is emptied when it grows large)."""
    if len(_METAS) >= 4096:
        _METAS.clear()
    _METAS[m] = m
    return m


_NO_GRAD = tuple((False,) * n for n in range(16))  # needs_input_grad when nothing is recorded

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Node:
    """A recorded operation: the graph node, and the ``ctx`` its Function's methods receive.

    Set by ``Function.apply`` when the operation is recorded:
      ``_next``: one entry per forward input: ``None`` when no gradient flows there, else
        the edge's target: the input's ``grad_fn`` or, for a leaf, the input Tensor itself.
      ``_meta``: per input, ``(output_nr, shape, dtype)`` of the input (None where
        ``_next`` is None), so the engine can sum a broadcast gradient back down and keep
        the input's dtype. (Kept apart from ``_next``, so that the entries hold nothing
        the garbage collector tracks (NumPy's dtypes are not tracked), and shared between
        nodes through ``_METAS``: a 100,000-op graph is then not 300,000 more objects for
        the collector to count and walk.)
      ``needs_input_grad``: per input, whether its gradient is wanted (a shared tuple).
      ``_n_out``: how many outputs forward returned.
    """

    _fn: type[Function]  # the Function subclass this node records (set per generated class)
    _raw = False
    _saved: tuple | None = ()  # None once backward has freed them (see _release)
    # raw ops: per saved array, where it came from: its input Tensor, the output_nr (an int)
    # for an output of this node, or None for a constant
    _saved_src: tuple | None = None
    _epoch = 0  # tensor._writes when the values were saved (see _check_versions)
    _key = 0  # creation order, negated (see _next_key)
    _n_out = 1
    # True while the engine may take its fast path for this node: a built-in op with one
    # output and no hooks or retain_grad on it (cleared by those, and by several outputs)
    _plain = False
    _out_meta: tuple | None = None  # ((shape, np_dtype), ...) when forward had several outputs
    _pre_hooks: dict | None = None  # {output_nr: [hook, ...]}: hooks of non-leaf outputs
    _retained: dict | None = None  # {output_nr: weakref}: outputs that called retain_grad()
    _non_diff: frozenset = frozenset()
    _mark_nd: tuple | None = None  # what forward passed to mark_non_differentiable
    _forward_trace = None  # anomaly mode only: where the node was recorded (anomaly.py)
    _next: tuple = ()
    _meta: tuple = ()
    _out_cells: dict | None = None  # {output_nr: version cell}, see Tensor._version_cell
    needs_input_grad: tuple = ()
    materialize_grads = True

    # --- the ctx API (PyTorch's names) ---------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep values that ``backward`` needs; read them back with ``saved_tensors``."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(f"{_FREED_MESSAGE} (The freed values were saved by {self.name()}.)")
        if _writes[0] != self._epoch:  # some tensor was written in place since the save
            self._check_versions()
        if _grad_state.enabled and self._raw and self._saved_src is not None:
            return self._saved_as_tensors()
        return saved

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs that have no gradient (e.g. indices): they won't require grad."""
        self._mark_nd = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs that got no grad."""
        self.materialize_grads = bool(value)

    # --- introspection (graph drawing, learning) ------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        """Per input, ``(node, output_nr)`` as in PyTorch; leaves appear as AccumulateGrad."""
        out = []
        for target, meta in zip(self._next, self._meta):
            if target is None:
                out.append((None, 0))
            elif isinstance(target, Node):
                out.append((target, meta[0]))
            else:
                out.append((AccumulateGrad(target), 0))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    # --- internals ------------------------------------------------------------------------
    def _saved_as_tensors(self) -> tuple:
        """Saved arrays as Tensors wired into the graph, for a recorded backward pass."""
        out = []
        for value, src in zip(self._saved, self._saved_src):
            if isinstance(src, Tensor):
                out.append(src)
            elif src is None:
                out.append(_wrap(np.asarray(value)))
            else:  # the k-th output of this node: rebuild a Tensor whose grad_fn is us
                t = _wrap(np.asarray(value))
                t._requires_grad = True
                t._grad_fn = self
                t._output_nr = src
                if self._out_cells:
                    t._version = self._out_cells.get(src)
                out.append(t)
        return tuple(out)

    def _check_versions(self) -> None:
        """Raise if a saved tensor was written in place after it was saved.

        NOTE: nothing is snapshotted per tensor at save time (that cost ~1 us an op); the
        node keeps the global write count (``_epoch``) instead, and each version cell records
        the write count of its tensor's last in-place write. A cell written after the save
        means the saved value is stale. This only runs when some tensor anywhere was written
        since the save.
        """
        items = self._saved_src if self._raw else self._saved
        if not items:
            return
        graph_only = () if _grad_state.enabled else self._fn.graph_only_saved
        for i, src in enumerate(items):
            if i in graph_only:  # read only by a recorded backward, and this one is not
                continue
            if isinstance(src, Tensor):
                cell = src._version
            elif type(src) is int and self._out_cells:
                cell = self._out_cells.get(src)
            else:
                continue
            if cell is not None and cell[1] > self._epoch:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: a tensor saved by {self.name()} was changed in "
                    f"place after it was saved (it is now at version {cell[0]}). Hint: the "
                    "operation that failed to compute its gradient is the one named above; "
                    "find the in-place operation (x += ..., x.add_(...), x[...] = ...) applied "
                    "to its input or output after it ran, and make it out-of-place."
                )

    def _release(self) -> None:
        """Drop saved values after backward (unless retain_graph)."""
        self._saved = None
        self._saved_src = None


FunctionCtx = Node  # the name PyTorch uses for the ctx type


class AccumulateGrad(Node):
    """How a leaf appears in ``next_functions``: its gradient is accumulated into ``.grad``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


class Function:
    """Base class of differentiable operations, with PyTorch's contract.

    Subclass it and write two static methods::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return 2 * x * grad_output

        y = Square.apply(x)

    ``backward`` returns one gradient per ``forward`` input (None for inputs that are not
    Tensors or need no gradient), each either of the input's shape or of a shape that the
    input broadcasts to (the engine sums it back down).
    """

    _raw = False  # built-in ops (ops/_op.py) set True: they compute on NumPy arrays
    _view = False  # True when the output may share memory with input 0 (shares its version)
    # positions in save_for_backward of values that only a recorded backward pass
    # (create_graph) reads: an in-place change to them fails only that kind of pass
    graph_only_saved: tuple = ()
    _node_cls: type[Node] = Node

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        suffix = "Backward0" if cls._raw else "Backward"
        name = cls.__dict__.get("node_name") or f"{cls.__name__}{suffix}"
        cls._node_cls = type(name, (Node,), {"_fn": cls, "_raw": cls._raw, "_plain": cls._raw})
        cls._node_cls.__module__ = cls.__module__

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must implement backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` and, if any input requires grad, record the graph node."""
        if not cls._raw:
            return _apply_user(cls, args)
        # Built-in ops: the hot path of every tensor operation without a fast entry point
        # (_apply_fast.py), written out flat for the common case of one output.
        values = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                values.append(a._data)
                if a._requires_grad:
                    record = True
            else:
                values.append(a)
        ctx = cls._node_cls()
        if record and _grad_state.enabled:
            ctx.needs_input_grad = _record_edges(ctx, args)
        else:
            record = False
            n = len(args)
            ctx.needs_input_grad = _NO_GRAD[n] if n < 16 else (False,) * n
        out = cls.forward(ctx, *values)
        if type(out) is tuple:
            results = [_wrap(o if type(o) is np.ndarray else np.asarray(o)) for o in out]
            if cls._view:  # e.g. split: every piece is a view of the input
                for r in results:
                    _share_version(args[0], r)
                    if not record and args[0]._requires_grad and _aliases(r, args[0]):
                        r._requires_grad = True  # a view made under no_grad (see below)
            if record:
                _connect_outputs(ctx, out, results)
                if ctx._saved:
                    _record_saved(ctx, args, out, results)
            return tuple(results)
        data = out if type(out) is np.ndarray else np.asarray(out)  # 0-d results are scalars
        t = _new(Tensor)
        t._data = data
        t._requires_grad = False
        t._grad_fn = None
        t._output_nr = 0
        t._grad = None
        t._version = None
        t._hooks = None
        if cls._view:
            _share_version(args[0], t)
            if not record and args[0]._requires_grad and _aliases(t, args[0]):
                # a real view made under no_grad of a tensor that requires grad is, as in
                # PyTorch, a leaf that requires grad (a copy, e.g. reshape's, is not)
                t._requires_grad = True
        if record:
            _attach(ctx, t, out, args)
        return t

    @classmethod
    def _call_forward(cls, ctx, args):
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
            return out
        return cls.forward(ctx, *args)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:  # PyTorch's optional split form
        raise NotImplementedError


def _record_edges(ctx: Node, args: tuple) -> tuple:
    """Give a recorded node its edges (``_next``, ``_meta``) and creation key; returns its
    ``needs_input_grad``: per input, whether it is a Tensor that requires grad."""
    targets = []  # per input: where its gradient goes (see Node._next)
    metas = []
    needs = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            d = a._data
            fn = a._grad_fn
            m = (a._output_nr, d.shape, d.dtype)
            if fn is None:  # a leaf: not interned (see _apply_fast.py)
                targets.append(a)
                metas.append(m)
            else:
                targets.append(fn)
                metas.append(_METAS.get(m) or _intern_meta(m))
            needs.append(True)
        else:
            targets.append(None)
            metas.append(None)
            needs.append(False)
    ctx._next = tuple(targets)
    ctx._meta = tuple(metas)
    ctx._key = _next_key()
    if _anomaly_state.enabled:
        ctx._forward_trace = _anomaly.capture()
    return tuple(needs)


def _attach(ctx: Node, t: Tensor, out, args: tuple) -> None:
    """Make ``ctx`` the grad_fn of its one output ``t`` (forward returned ``out``) and note
    where the values it saved came from: the end of every recorded one-output op."""
    if t._data.dtype.kind == "f" and ctx._mark_nd is None:
        t._grad_fn = ctx
        t._requires_grad = True
    saved = ctx._saved
    if saved:
        if len(saved) == 1 and saved[0] is out:  # y alone: sigmoid, tanh, exp, relu
            ctx._saved_src = _OUTPUT_0
            ctx._epoch = _writes[0]
            if t._version is not None:  # a view op: its output shares a cell
                ctx._out_cells = {0: t._version}
        else:
            _record_saved(ctx, args, (out,), (t,))


def _adopt_output(o, args) -> Tensor:
    """A user's forward returned ``o``: make it a fresh Tensor we may attach grad_fn to."""
    if not isinstance(o, Tensor):
        return _wrap(np.asarray(o))
    if o._grad_fn is not None or o._requires_grad or any(o is a for a in args):
        alias = _wrap(o._data)  # never hijack a Tensor the caller already owns
        alias._version = o._version
        return alias
    return o


def _apply_user(cls, args):
    """``apply`` for a user's Function: forward gets Tensors and runs with grad mode off."""
    record = _grad_state.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
    ctx = cls._node_cls()
    ctx.needs_input_grad = tuple(
        record and isinstance(a, Tensor) and a._requires_grad for a in args
    )
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        out = cls._call_forward(ctx, args)
    finally:
        _grad_state.enabled = prev
    outs = out if type(out) is tuple else (out,)
    results = [_adopt_output(o, args) for o in outs]
    if record:
        _record_edges(ctx, args)
        _connect_outputs(ctx, outs, results)
        if ctx._saved:
            _record_saved(ctx, args, outs, results)
    return tuple(results) if type(out) is tuple else results[0]


def _aliases(view: Tensor, base: Tensor) -> bool:
    """Whether ``view`` shares memory with ``base`` (a view op may have copied). An empty
    result holds no memory; PyTorch always views those."""
    return view._data.size == 0 or np.may_share_memory(view._data, base._data)


def _share_version(base: Tensor, view: Tensor) -> None:
    """A view and its base see each other's in-place changes: one version counter."""
    base._version_cell()[2] = True  # the memory is aliased by a view (see ops/inplace.py)
    view._version = base._version


def _connect_outputs(ctx: Node, outs, results) -> None:
    """Make ``ctx`` the grad_fn of each differentiable output (several-output case)."""
    non_diff = ctx._mark_nd
    if non_diff:
        ctx._non_diff = frozenset(i for i, o in enumerate(outs) if any(o is m for m in non_diff))
    n_out = len(results)
    if n_out > 1:
        ctx._n_out = n_out
        ctx._plain = False
        ctx._out_meta = tuple((r._data.shape, r._data.dtype) for r in results)
    for k, r in enumerate(results):
        if k in ctx._non_diff or r._data.dtype.kind != "f":
            continue
        r._grad_fn = ctx
        r._requires_grad = True
        r._output_nr = k


def _record_saved(ctx: Node, args, outs, results) -> None:
    """Note where each saved value came from, for version checks and recorded backward.

    Built-in ops save arrays; for a recorded backward pass (create_graph) they must be
    handed back as Tensors wired into the graph, so each saved array is traced to the input
    Tensor or output it is (by identity). ``_epoch`` lets ``Node._check_versions`` catch an
    in-place change made before backward. (The node cannot hold its output Tensors: that
    would be a reference cycle. An output's version cell reaches the node when the output
    first needs one: see ``Tensor._version_cell``.)
    """
    ctx._epoch = _writes[0]
    if not ctx._raw:  # a user's Function saved Tensors: they are their own sources
        return
    sources = []
    for s in ctx._saved:
        src = None  # None, a Python number or a value forward derived: a constant
        if type(s) is np.ndarray:
            for a in args:
                if isinstance(a, Tensor) and a._data is s:
                    src = a
                    break
        if src is None and (type(s) is np.ndarray or isinstance(s, np.generic)):
            for k, o in enumerate(outs):  # 0-d outputs may be NumPy scalars
                if s is o:
                    src = k
                    cell = results[k]._version
                    if cell is not None:  # a view op's output shares its input's cell
                        if ctx._out_cells is None:
                            ctx._out_cells = {}
                        ctx._out_cells[k] = cell
                    break
        sources.append(src)
    ctx._saved_src = tuple(sources)
