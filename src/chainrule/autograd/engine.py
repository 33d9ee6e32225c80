"""The backward pass: walk the recorded graph from the outputs to the leaves.

1. Order: a node runs only after every consumer of its outputs has delivered its gradient.
   ``backward()`` gets that from creation order: every node is created after the nodes it
   consumes, so a heap of creation keys pops nodes newest first (``_run_all``).
   ``autograd.grad`` and ``backward(inputs=...)``, which must first find what lies on a path
   to the inputs, list the reachable nodes with an iterative depth-first search, whose
   reversed post-order is a topological order. No recursion: a 100,000-op chain is fine.
2. Run: each node's gradient is fed to its Function's ``backward``; each returned gradient
   is reduced to its input's shape and dtype (``sum_to``: the one place broadcasting is
   undone) and added into the buffer of the edge's target.
3. Leaves: the summed gradient is accumulated into ``.grad`` (or returned, for
   ``autograd.grad``). A gradient array becomes a leaf's ``.grad`` only if nothing else holds
   it; otherwise it is copied, so two leaves never share one array (the tutorial's bug).

With ``create_graph=True`` the same loop runs on Tensors with grad mode on, so every
gradient computation is itself recorded.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

import numpy as np

from ..ops import _dual as D
from ..ops._quiet import _IGNORE, _reset_errstate, _set_errstate, quiet
from ..tensor import Tensor, _wrap
from . import anomaly as _anomaly
from .function import Node
from .grad_mode import state as _grad_state

_ndarray = np.ndarray


def _topological_order(roots) -> list:
    """Nodes and leaf Tensors reachable from ``roots``, each after all its consumers."""
    order: list = []
    seen: set = set()
    stack = [(r, False) for r in roots]
    while stack:
        obj, expanded = stack.pop()
        if expanded:
            order.append(obj)
            continue
        if obj in seen:
            continue
        seen.add(obj)
        stack.append((obj, True))
        if type(obj) is not Tensor and isinstance(obj, Node):
            for target in obj._next:
                if target is not None and target not in seen:
                    stack.append((target, False))
    order.reverse()
    return order


def _needed(order: list, leaf_targets: set, node_targets: set) -> tuple[set, set]:
    """For ``autograd.grad``: which nodes must run to reach the requested inputs.

    Returns (useful, execute): ``useful`` holds what lies on a path to an input; a node in
    ``execute`` must call its backward (some input lies beyond it).
    """
    useful: set = set()
    execute: set = set()
    for obj in reversed(order):  # leaves and deep nodes first
        if isinstance(obj, Node):
            if any(t is not None and t in useful for t in obj._next):
                execute.add(obj)
                useful.add(obj)
            elif obj in node_targets:
                useful.add(obj)
        elif obj in leaf_targets:
            useful.add(obj)
    return useful, execute


def _reduce(g, shape, dtype: np.dtype, node: Node, index: int, graph: bool):
    """Bring one gradient to its input's shape and dtype (as ``Node._meta`` keeps them);
    check it is compatible."""
    if graph:
        if not isinstance(g, Tensor):
            g = _wrap(np.asarray(g))
    elif type(g) is not np.ndarray:
        g = np.asarray(g)
    if g.shape != shape:
        try:
            g = D.sum_to(g, shape)
        except ValueError:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if graph:
        if g._data.dtype != dtype:
            g = g.to(dtype)
    elif g.dtype != dtype:
        g = g.astype(dtype)
    return g


def _call_hooks(hooks, g, graph: bool):
    """Run tensor hooks; a hook's non-None result replaces the gradient."""
    for hook in list(hooks):
        result = hook(g if graph else _wrap(g))
        if result is not None:
            g = result if graph else result._data
    return g


def _apply_pre_hooks(node: Node, grads: list, graph: bool) -> None:
    """Hooks and retain_grad() of a non-leaf's output, applied to its summed gradient."""
    if node._pre_hooks:
        for nr, hooks in node._pre_hooks.items():
            if grads[nr] is not None and hooks:
                grads[nr] = _call_hooks(hooks, grads[nr], graph)
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            g = grads[nr]
            if t is None or g is None:
                continue
            if graph:
                t._grad = g if t._grad is None else t._grad + g
            else:
                t._grad = _wrap(g.copy()) if t._grad is None else _wrap(t._grad._data + g)


def _accumulate(leaf: Tensor, g, owned: bool, graph: bool) -> None:
    """Add ``g`` into ``leaf.grad``."""
    old = leaf._grad
    if graph:
        leaf._grad = (g if owned else g.clone()) if old is None else old + g
    elif old is None:
        leaf._grad = _wrap(g if owned else g.copy())
    elif old._requires_grad or not old._data.flags.writeable:
        leaf._grad = _wrap(old._data + g)
    else:  # the leaf owns its .grad array: add in place (PyTorch semantics)
        np.add(old._data, g, out=old._data)


def run_backward(*args, **kwargs):
    """The engine, with NumPy's floating-point warnings off: PyTorch's backward never warns
    (inf and -inf gradients meeting sum to nan silently). This one guard covers every op's
    backward formula, so none of them needs its own. See ``_run_backward``."""
    with quiet():
        return _run_backward(*args, **kwargs)


def backward_scalar(root: Tensor, retain_graph: bool) -> None:
    """``loss.backward()`` on a one-element non-leaf: the training loop's call, without the
    argument handling of ``autograd.backward`` (which checks the general case)."""
    data = root._data
    seed = np.ones(data.shape, data.dtype) if data.ndim else np.array(1, data.dtype)
    node = root._grad_fn
    token = _set_errstate(_IGNORE)  # ``with quiet():`` (see run_backward), minus its object
    try:
        if node._n_out == 1:  # the root node runs first: no heap to start with
            _run_all({}, {}, retain_graph, False, node, seed)
        else:
            slot = [None] * node._n_out
            slot[root._output_nr] = seed
            _run_all({node: slot}, {}, retain_graph, False)
    finally:
        _reset_errstate(token)


def _run_backward(
    roots: list,
    seeds: list,
    retain_graph: bool,
    create_graph: bool,
    inputs: list | None = None,
    accumulate: bool = True,
    allow_unused: bool = False,
):
    """The engine. ``roots`` are output Tensors, ``seeds`` their gradients (arrays, or
    Tensors when ``create_graph``). With ``inputs`` and ``accumulate=False`` (autograd.grad)
    returns the gradients of ``inputs`` instead of touching ``.grad``."""
    graph = create_graph
    node_buf: dict = {}  # Node -> [grad per output]
    leaf_buf: dict = {}  # leaf Tensor -> [grad, owned]
    targets = []
    for root, seed in zip(roots, seeds):
        if root._grad_fn is None:
            ent = leaf_buf.get(root)
            if ent is None:
                leaf_buf[root] = [seed, False]
            else:
                ent[0] = ent[0] + seed
                ent[1] = True
            targets.append(root)
        else:
            node = root._grad_fn
            slot = node_buf.get(node)
            if slot is None:
                slot = node_buf[node] = [None] * node._n_out
            nr = root._output_nr
            slot[nr] = seed if slot[nr] is None else slot[nr] + seed
            targets.append(node)
    if inputs is None:
        _run_all(node_buf, leaf_buf, retain_graph, graph)
        return None
    order = _topological_order(targets)

    useful = execute = None
    captured: dict = {}
    leaf_inputs: dict = {}
    node_inputs: dict = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            if t._grad_fn is None:
                leaf_inputs.setdefault(t, []).append(i)
            else:
                node_inputs.setdefault(t._grad_fn, []).append((t._output_nr, i))
        useful, execute = _needed(order, set(leaf_inputs), set(node_inputs))

    # anomaly mode: read once per call; it routes every node through the checked runner
    fast = not graph and not _anomaly.state.enabled
    run_node = _run_node_anomaly if _anomaly.state.enabled else _run_node
    prev_mode = _grad_state.enabled
    _grad_state.enabled = graph
    try:
        for obj in order:
            if type(obj) is Tensor or not isinstance(obj, Node):  # a leaf
                ent = leaf_buf.pop(obj, None)
                if ent is None:
                    continue
                g, owned = ent
                if obj._hooks:
                    g = _call_hooks(obj._hooks, g, graph)
                    owned = False
                if inputs is not None:
                    if obj not in leaf_inputs:
                        continue
                    if not accumulate:
                        for i in leaf_inputs[obj]:
                            captured[i] = g
                        continue
                _accumulate(obj, g, owned, graph)
                continue

            node = obj
            grads = node_buf.pop(node, None)
            if grads is None or (useful is not None and node not in useful):
                continue
            if node._pre_hooks or node._retained:
                _apply_pre_hooks(node, grads, graph)
            if node in node_inputs:
                for nr, i in node_inputs[node]:
                    if grads[nr] is None:
                        continue
                    if accumulate:  # backward(inputs=[non_leaf]) fills the non-leaf's .grad
                        _accumulate(inputs[i], grads[nr], False, graph)
                    else:
                        captured[i] = grads[nr]
            if execute is not None and node not in execute:
                continue
            if node._raw and fast and node._n_out == 1:
                # the common case, without _run_node's generality: a built-in op, arrays
                _route(node, node._fn.backward(node, grads[0]), grads, False, node_buf, leaf_buf)
            else:
                run_node(node, grads, graph, node_buf, leaf_buf)
            if not retain_graph and node._saved:
                node._release()
    finally:
        _grad_state.enabled = prev_mode

    if inputs is None or accumulate:
        return None
    results = []
    for i in range(len(inputs)):
        g = captured.get(i)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        else:
            results.append(g if graph else _wrap(np.asarray(g)))
    return tuple(results)


def _run_all(
    node_buf: dict, leaf_buf: dict, retain_graph: bool, graph: bool, first=None, first_g=None
) -> None:
    """``backward()`` without ``inputs``: run every node that receives a gradient (from
    ``node_buf``, or ``first``, a one-output node, with its gradient ``first_g``).

    Order: a node is created after every node it consumes, so running nodes from the newest
    to the oldest runs each one after all its consumers have delivered its gradient (PyTorch
    orders its ready queue by the same creation number). A heap of node keys
    (``Node._key``: creation order, negated) gives that order without a first pass over the
    graph to count consumers: a node enters the heap when it first receives a gradient.
    Leaves collect their gradients in ``leaf_buf`` and are accumulated into ``.grad`` at the
    end, each once.
    """
    heap = [(node._key, node) for node in node_buf] if node_buf else []
    heapify(heap)
    fast = not graph and not _anomaly.state.enabled  # see run_backward
    run_node = _run_node_anomaly if _anomaly.state.enabled else _run_node
    prev_mode = _grad_state.enabled
    _grad_state.enabled = graph
    # The next node to run, with its gradient, held outside the heap and node_buf: when
    # nothing else waits, the one node that just received its first gradient is the newest
    # waiting node, so it runs next (no later node can still feed it). A chain never
    # touches the heap.
    chained, chained_g = first, first_g
    grads = None  # the general path's gradient list; None whenever the fast path runs
    try:
        while heap or chained is not None:
            if chained is not None:
                node = chained
                chained = None
                if fast and node._plain:
                    g_in = chained_g
                    chained_g = None
                else:
                    grads = [chained_g]
                    chained_g = None
            else:
                node = heappop(heap)[1]
                grads = node_buf.pop(node)
                if fast and node._plain:
                    g_in = grads[0]
                    grads = None
            if grads is not None:  # the general path: hooks, several outputs, graphs
                if node._pre_hooks or node._retained:
                    _apply_pre_hooks(node, grads, graph)
                run_node(node, grads, graph, node_buf, leaf_buf, heap)
                grads = None  # the upstream gradient is consumed: let its memory go now
                if not retain_graph and node._saved:
                    node._release()
                continue
            # The fast path (a built-in op on arrays, one output, no hooks): the hottest
            # loop of the library, so ``_route`` is written out here. See _route for the
            # general case and the meaning of each step.
            out = node._fn.backward(node, g_in)
            if type(out) is not tuple:
                out = (out,)
            for target, meta, g in zip(node._next, node._meta, out):
                if target is None or g is None:
                    continue
                nr, shape, dtype = meta
                # (the dtype by identity: NumPy's dtypes are singletons; _reduce compares
                # an equal one that is not, and leaves it be)
                if type(g) is not _ndarray or g.shape != shape or g.dtype is not dtype:
                    g = _reduce(g, shape, dtype, node, _index(out, g), False)
                if isinstance(target, Node):
                    if target is chained:  # a second edge to it (x * x)
                        chained_g = chained_g + g
                        continue
                    slot = node_buf.get(target)
                    if slot is not None:
                        prev = slot[nr]
                        slot[nr] = g if prev is None else prev + g
                        continue
                    if chained is None and not heap and target._n_out == 1:
                        chained = target
                        chained_g = g
                        continue
                    if chained is not None:  # two new nodes: both wait in the heap
                        node_buf[chained] = [chained_g]
                        heappush(heap, (chained._key, chained))
                        chained = chained_g = None
                    if target._n_out == 1:
                        node_buf[target] = [g]
                    else:
                        slot = node_buf[target] = [None] * target._n_out
                        slot[nr] = g
                    heappush(heap, (target._key, target))
                else:
                    ent = leaf_buf.get(target)
                    if ent is None:
                        # owned: a fresh array, not the upstream gradient passed through
                        # and not a view of anything
                        leaf_buf[target] = [g, g.base is None and g is not g_in]
                    else:
                        ent[0] = ent[0] + g
                        ent[1] = True
            out = g_in = g = None  # consumed: let the memory go now
            if not retain_graph and node._saved:
                node._saved = None  # freed (see Node._release)
                node._saved_src = None
        for leaf, (g, owned) in leaf_buf.items():
            if leaf._hooks:
                g = _call_hooks(leaf._hooks, g, graph)
                owned = False
            if fast and leaf._grad is None:  # the first gradient of a training step
                leaf._grad = _wrap(g if owned else g.copy())
            else:
                _accumulate(leaf, g, owned, graph)
    finally:
        _grad_state.enabled = prev_mode


def _index(out: tuple, g) -> int:
    """The position of ``g`` in ``out`` (for an error message: the fast path keeps none)."""
    return next(i for i, x in enumerate(out) if x is g)


def _run_node(
    node: Node,
    grads: list,
    graph: bool,
    node_buf: dict,
    leaf_buf: dict,
    heap: list | None = None,
    check_nan: bool = False,
) -> None:
    """Call one node's backward and route the gradients it returns along its edges."""
    if node._n_out > 1:
        for k, g in enumerate(grads):
            if g is None and node.materialize_grads:
                shape, dtype = node._out_meta[k]
                z = np.zeros(shape, dtype)
                grads[k] = _wrap(z) if graph else z
    fn = node._fn
    user = not node._raw
    if user and not graph:
        out = fn.backward(node, *[None if g is None else _wrap(g) for g in grads])
    else:
        out = fn.backward(node, *grads)
    if type(out) is not tuple:
        out = (out,)
    if user:
        out = _check_user_grads(node, out, node._next, graph)
    if check_nan:  # anomaly mode only
        _anomaly.check_nan(node, out)
    _route(node, out, grads, graph, node_buf, leaf_buf, user, heap)


def _run_node_anomaly(
    node: Node, grads: list, graph: bool, node_buf: dict, leaf_buf: dict, heap=None
) -> None:
    """``_run_node`` under anomaly mode: NaN gradients raise, errors show the forward line."""
    _anomaly.run_node(_run_node, node, grads, graph, node_buf, leaf_buf, heap)


def _route(node, out, grads, graph, node_buf, leaf_buf, user=False, heap=None) -> None:
    """Send each gradient that ``node.backward`` returned along its edge; a node that
    receives its first gradient joins ``heap`` when one is given (see ``_run_all``)."""
    if type(out) is not tuple:
        out = (out,)
    targets = node._next
    metas = node._meta
    for i, g in enumerate(out):
        if g is None:
            continue
        target = targets[i]
        if target is None:
            continue
        nr, shape, dtype = metas[i]
        if graph or type(g) is not _ndarray or g.shape != shape or g.dtype is not dtype:
            g = _reduce(g, shape, dtype, node, i, graph)
        if type(target) is Tensor or not isinstance(target, Node):
            ent = leaf_buf.get(target)
            if ent is None:
                # ownership: a fresh array from a built-in formula, not the incoming
                # gradient passed through and not a view of anything
                data = g._data if graph else g
                owned = not user and data.base is None and all(g is not x for x in grads)
                leaf_buf[target] = [g, owned]
            else:
                ent[0] = ent[0] + g
                ent[1] = True
        else:
            slot = node_buf.get(target)
            if slot is None:
                slot = node_buf[target] = [None] * target._n_out
                if heap is not None:
                    heappush(heap, (target._key, target))
            prev = slot[nr]
            slot[nr] = g if prev is None else prev + g


def _check_user_grads(node: Node, out: tuple, edges: tuple, graph: bool) -> tuple:
    """Validate what a user's Function.backward returned; unwrap it to arrays."""
    n = len(edges)
    if len(out) < n or any(g is not None for g in out[n:]):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {n}, got {len(out)})"
        )
    checked = []
    for i, g in enumerate(out[:n]):
        if g is not None and not isinstance(g, (Tensor, np.ndarray, np.generic, int, float)):
            raise RuntimeError(  # PyTorch's type: "expected Variable or None (got str)"
                f"function {node.name()} returned a gradient of type {type(g).__name__} at "
                f"index {i}; expected a Tensor or None"
            )
        if g is not None and edges[i] is not None and isinstance(g, Tensor) and not graph:
            g = g._data
        checked.append(g)
    return tuple(checked)


def _install() -> None:
    """Give ``Tensor.backward`` its direct path to ``backward_scalar`` (tensor.py cannot
    import this module at its top: this module imports tensor.py)."""
    import sys

    from .. import tensor

    tensor._engine = sys.modules[__name__]


_install()
