"""Draw the computational graph that produced a tensor (what ``loss.backward()`` walks).

Tensors are boxes (the leaves that require grad in light blue, named when they are
parameters; the output in gold), operations are rounded grey boxes named by their graph
node's class, as PyTorch names them (``MatMulBackward0``, ``SigmoidBackward0``, ...).
Edges follow the data: leaf -> op -> op -> output, and an edge between two operations is
labelled with the shape of the intermediate tensor flowing along it.

``graph_to_dot`` writes plain DOT text and needs nothing but NumPy; ``draw_graph`` wraps the
same text in a ``graphviz.Digraph`` (rendered inline by Jupyter); ``save_graph`` renders it
with Graphviz's ``dot`` program, or writes the ``.dot`` source and says how to install
Graphviz when ``dot`` is missing.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import warnings
from collections import deque
from pathlib import Path

import numpy as np

from .._optional import require
from ..autograd.function import AccumulateGrad
from ..tensor import Tensor

__all__ = ["GraphvizNotFoundWarning", "draw_graph", "graph_to_dot", "save_graph"]

GRAPH_NAME = "chainrule"
FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    "install Graphviz (apt-get install graphviz on Debian/Ubuntu, brew install graphviz on "
    "macOS, or conda install graphviz)"
)

LEAF_COLOUR = "lightblue"  # leaves that require grad: where gradients end up
ROOT_COLOUR = "#ffd27f"  # the tensor the graph was drawn from
OP_COLOUR = "#e8e8e8"
NOTE_COLOUR = "#fff3c4"
PLAIN_COLOUR = "white"  # a root that is a leaf without grad


class GraphvizNotFoundWarning(UserWarning):
    """``save_graph`` could not find Graphviz's ``dot`` and wrote the DOT source instead."""


def graph_to_dot(
    tensor,
    params=None,
    show_data: bool = True,
    show_grad: bool = True,
    max_values: int = 6,
    *,
    max_nodes: int | None = 500,
    title: str | None = None,
) -> str:
    """The graph that produced ``tensor`` (or a list of tensors) as Graphviz DOT text.

    ``params`` names tensors: a dict ``{name: tensor}`` or a Module (its
    ``named_parameters()``). A tensor with at most ``max_values`` elements shows its values,
    a bigger one the norm of its data and of its gradient. At most ``max_nodes`` operations
    are drawn (the nearest to the output; None: all); the rest are summarised by a note.

    Operations are labelled with their node's class name, as PyTorch names them
    (``MatMulBackward0``; a user's Function ``Square`` gives ``SquareBackward``). Like
    PyTorch's graph, it holds only what gradients flow through: inputs that do not
    require grad (the data, the targets) are not part of it, and are not drawn.
    """
    lines = _dot_body(tensor, params, show_data, show_grad, max_values, max_nodes, title)
    return f"digraph {GRAPH_NAME} {{\n" + "".join(lines) + "}\n"


def draw_graph(
    tensor,
    params=None,
    show_data: bool = True,
    show_grad: bool = True,
    max_values: int = 6,
    format: str = "svg",
    *,
    max_nodes: int | None = 500,
    title: str | None = None,
):
    """The graph of ``graph_to_dot`` as a ``graphviz.Digraph``: it renders inline in Jupyter,
    and ``save_graph(graph, "graph.png")`` writes it to a file. Its ``.source`` is exactly
    ``graph_to_dot``'s text. Where Graphviz's ``dot`` program is missing, Jupyter shows the
    DOT source and how to install Graphviz instead of an error."""
    if format not in FORMATS:
        raise ValueError(f"draw_graph: format must be one of {', '.join(FORMATS)}, got {format!r}")
    graphviz = require("graphviz", "draw_graph")
    lines = _dot_body(tensor, params, show_data, show_grad, max_values, max_nodes, title)
    return _digraph_class(graphviz)(name=GRAPH_NAME, body=lines, format=format)


@functools.cache
def _digraph_class(graphviz):
    """The Digraph subclass below, made once, on first use (graphviz is optional)."""

    class Digraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` whose notebook display falls back to its DOT source when
        ``dot`` is missing (graphviz's own raises ExecutableNotFound, which would stop a
        learner's notebook at its first graph)."""

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                note = f"Graphviz's dot program was not found; to draw this graph, {INSTALL_HINT}."
                return {"text/plain": f"{note}\n{self.source}"}

    Digraph.__qualname__ = "Digraph"
    return Digraph


def save_graph(graph, path) -> Path:
    """Render ``graph`` (a Digraph, or DOT text) to ``path``; the extension picks the format
    (``.svg``, ``.png``, ``.pdf``, or ``.dot`` for the source itself).

    When Graphviz's ``dot`` program is missing, the DOT source is written next to ``path``
    (same name, ``.dot``), a ``GraphvizNotFoundWarning`` says how to install Graphviz, and the
    ``.dot`` path is returned. Returns the path written.
    """
    path = Path(path)
    source = graph if isinstance(graph, str) else graph.source
    fmt = path.suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        _write_atomic(path, source.encode("utf-8"))
        return path
    if fmt not in FORMATS:
        raise ValueError(
            f"save_graph: cannot tell the format from {path.name!r}; "
            f"use a .svg, .png, .pdf or .dot file name"
        )
    # NOTE: dot is run directly rather than through graphviz.Digraph.render, so that DOT
    # text renders without the graphviz Python package and nothing but ``path`` is written.
    dot = shutil.which("dot")
    if dot is not None:
        # 150 dpi: a PNG readable on a laptop screen (the vector formats ignore it)
        cmd = [dot, f"-T{fmt}"] + (["-Gdpi=150"] if fmt == "png" else [])
        try:
            done = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True)
        except FileNotFoundError:
            done = None
        if done is not None:
            if done.returncode != 0:
                raise RuntimeError(
                    f"Graphviz's dot failed to render {path.name}: "
                    f"{done.stderr.decode(errors='replace').strip()}"
                )
            _write_atomic(path, done.stdout)
            return path
    dot_path = path.with_suffix(".dot")
    _write_atomic(dot_path, source.encode("utf-8"))
    warnings.warn(
        f"Graphviz's dot program was not found, so {path.name} was not rendered; the graph's "
        f"DOT source is in {dot_path}. To render it, {INSTALL_HINT}, then run: "
        f"dot -T{fmt} {dot_path} -o {path}",
        GraphvizNotFoundWarning,
        stacklevel=2,
    )
    return dot_path


# --- building the DOT body ----------------------------------------------------------------


def _dot_body(tensor, params, show_data, show_grad, max_values, max_nodes, title) -> list[str]:
    """DOT statements (each ``"\\t...\\n"``, as the graphviz package writes them)."""
    roots = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(
                f"draw_graph expects a Tensor or a list of Tensors, got {type(r).__name__}"
            )
    names = _names(params)
    ops, leaves, edges, hidden = _walk(roots, max_nodes)

    graph_attrs = "rankdir=TB fontname=Helvetica fontsize=12 nodesep=0.3 ranksep=0.35"
    if title:
        graph_attrs += f' label="{_escape(title)}" labelloc=t'
    lines = [
        f"\tgraph [{graph_attrs}]\n",
        "\tnode [fontname=Helvetica fontsize=10 shape=box style=filled]\n",
        '\tedge [fontname=Helvetica fontsize=9 color="#555555"]\n',
    ]
    op_id = {id(node): f"op{k}" for k, node in enumerate(ops)}
    leaf_id = {id(t): f"t{k}" for k, t in enumerate(leaves)}
    for t in leaves:
        label = _tensor_label(t, names.get(id(t)), show_data, show_grad, max_values)
        colour = LEAF_COLOUR if t.requires_grad else PLAIN_COLOUR
        lines.append(f'\t{leaf_id[id(t)]} [label="{label}" fillcolor="{colour}"]\n')
    for node in ops:
        lines.append(
            f'\t{op_id[id(node)]} [label="{_escape(type(node).__name__)}" '
            f'shape=box style="rounded,filled" fillcolor="{OP_COLOUR}"]\n'
        )
    if hidden:
        lines.append(
            f'\tmore [label="... {hidden} more operations not drawn\\n(the graph is capped at '
            f'{max_nodes} operations: max_nodes)" shape=note fillcolor="{NOTE_COLOUR}"]\n'
        )
    for src, dst, shape in edges:
        src_name = "more" if src is None else op_id.get(id(src)) or leaf_id[id(src)]
        attrs = f' [label=" {_shape_text(shape)}"]' if shape is not None else ""
        lines.append(f"\t{src_name} -> {op_id[id(dst)]}{attrs}\n")
    for k, root in enumerate(roots):
        rid = f"out{k}"
        name = names.get(id(root)) or ("output" if len(roots) == 1 else f"output {k}")
        label = _tensor_label(root, name, show_data, show_grad, max_values)
        lines.append(f'\t{rid} [label="{label}" fillcolor="{ROOT_COLOUR}" penwidth=2]\n')
        if root.grad_fn is not None:
            lines.append(f"\t{op_id[id(root.grad_fn)]} -> {rid}\n")
        elif id(root) in leaf_id:  # a leaf root that another root's graph also uses
            lines.append(f"\t{leaf_id[id(root)]} -> {rid} [style=dashed]\n")
    return lines


def _walk(roots: list[Tensor], max_nodes: int | None):
    """Breadth-first from the roots' grad_fns, with a queue (no recursion: a 100,000-op
    chain is fine). Returns the drawn ops (nearest the output first), the leaves they use,
    the data-flow edges ``(source, op, shape)`` (source None: the "not drawn" note; shape
    only between two ops) and how many ops were left out."""
    ops: list = []
    drawn: set[int] = set()
    seen: set[int] = set()
    leaves: list[Tensor] = []
    leaf_seen: set[int] = set()
    edges: list = []
    note_edges: set[int] = set()
    queue: deque = deque()
    for r in roots:
        node = r.grad_fn
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            queue.append(node)
    total = 0
    while queue:
        node = queue.popleft()
        total += 1
        keep = max_nodes is None or len(ops) < max_nodes
        if keep:
            ops.append(node)
            drawn.add(id(node))
        # ``_meta`` (internal, read only) holds each input's shape; next_functions (public)
        # gives the input's node, or an AccumulateGrad wrapping the leaf tensor.
        metas = getattr(node, "_meta", ())
        for i, (fn, _nr) in enumerate(node.next_functions):
            if fn is None:
                continue
            if isinstance(fn, AccumulateGrad):
                if keep:
                    leaf = fn.variable
                    if id(leaf) not in leaf_seen:
                        leaf_seen.add(id(leaf))
                        leaves.append(leaf)
                    edges.append((leaf, node, None))
                continue
            if id(fn) not in seen:
                seen.add(id(fn))
                queue.append(fn)
            if keep:
                shape = metas[i][1] if i < len(metas) and metas[i] else None
                edges.append((fn, node, shape))
    hidden = total - len(ops)
    drawn_edges = []
    for src, dst, shape in edges:  # an edge from an op beyond the cap comes from the note
        if isinstance(src, Tensor) or id(src) in drawn:
            drawn_edges.append((src, dst, shape))
        elif id(dst) not in note_edges:
            note_edges.add(id(dst))
            drawn_edges.append((None, dst, None))
    return ops, leaves, drawn_edges, hidden


def _names(params) -> dict[int, str]:
    """``id(tensor) -> name`` from a dict of tensors or a Module's named_parameters()."""
    if params is None:
        return {}
    items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
    return {id(t): str(name) for name, t in items}


# --- labels -------------------------------------------------------------------------------


def _tensor_label(t: Tensor, name, show_data, show_grad, max_values) -> str:
    lines = [name] if name else []
    data = t.detach().numpy()
    lines.append("scalar" if data.ndim == 0 else f"shape {_shape_text(data.shape)}")
    if data.dtype != np.float32:
        lines.append(str(data.dtype))
    if show_data:
        lines.append(_values_text("data", data, max_values))
    if show_grad and t.grad is not None:
        lines.append(_values_text("grad", t.grad.detach().numpy(), max_values))
    return "\\n".join(_escape(line) for line in lines)


def _shape_text(shape) -> str:
    return str(tuple(int(n) for n in shape))


def _values_text(what: str, a: np.ndarray, max_values: int) -> str:
    if a.size <= max_values:
        return f"{what} = {_format_array(a)}"
    norm = float(np.linalg.norm(a.astype(np.float64).ravel()))
    return f"‖{what}‖ = {norm:.4g}"


def _format_array(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f"{a.item():.4g}" if a.dtype.kind in "fc" else str(a.item())
    text = np.array2string(
        a,
        separator=", ",
        formatter={"float_kind": lambda v: f"{v:.4g}"},
        max_line_width=10**6,
        threshold=10**6,
    )
    return " ".join(text.split())  # one line, whatever the rank


def _escape(text: str) -> str:
    """Make ``text`` safe inside a double-quoted DOT string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an image should read like any file
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
