"""Graph drawing: ``graph_to_dot`` / ``draw_graph`` / ``save_graph``.

The expected graph of a known expression is written out by hand and also read off
PyTorch's own graph of the same expression; values and gradient norms in the labels are
compared with PyTorch's.
"""

from __future__ import annotations

import re
import shutil
import struct
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest

import chainrule
from chainrule.viz.graph import GraphvizNotFoundWarning, draw_graph, graph_to_dot, save_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")

NODE = re.compile(r'^\t(\w+) \[label="((?:[^"\\]|\\.)*)"', re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.M)
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"

X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.1, 0.2]], np.float32)
W = np.array([[0.3], [-0.6]], np.float32)
B = np.array([0.1], np.float32)
Y = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)


def parse(dot: str) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Node id -> label lines, and the edges as (source label, target label) pairs, where a
    node's label is its first line (an op's class name, a tensor's name)."""
    nodes = {nid: label.split("\\n") for nid, label in NODE.findall(dot)}
    edges = [(nodes[a][0], nodes[b][0]) for a, b in EDGE.findall(dot)]
    return nodes, edges


def chainrule_loss():
    w = chainrule.tensor(W, requires_grad=True)
    b = chainrule.tensor(B, requires_grad=True)
    loss = ((chainrule.tensor(X) @ w + b).sigmoid() - chainrule.tensor(Y)).pow(2).mean()
    loss.backward()
    return loss, w, b


def torch_loss():
    torch = pytest.importorskip("torch")
    w = torch.tensor(W, requires_grad=True)
    b = torch.tensor(B, requires_grad=True)
    loss = ((torch.tensor(X) @ w + b).sigmoid() - torch.tensor(Y)).pow(2).mean()
    loss.backward()
    return loss, w, b


def torch_graph(loss, names: dict) -> tuple[Counter, Counter]:
    """Op-name counts and (source, target) edge counts of PyTorch's graph, walked with a
    stack; leaves by name, matmul under chainrule's name for it."""
    rename = {"MmBackward0": "MatMulBackward0"}
    ops: Counter = Counter()
    edges: Counter = Counter()
    stack, seen = [loss.grad_fn], {loss.grad_fn}
    edges[(rename.get(loss.grad_fn.name(), loss.grad_fn.name()), "loss")] += 1
    while stack:
        node = stack.pop()
        name = rename.get(node.name(), node.name())
        ops[name] += 1
        for fn, _ in node.next_functions:
            if fn is None:
                continue
            if type(fn).__name__ == "AccumulateGrad":
                edges[(names[id(fn.variable)], name)] += 1
                continue
            edges[(rename.get(fn.name(), fn.name()), name)] += 1
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return ops, edges


def test_known_expression_has_the_expected_ops_and_edges():
    loss, w, b = chainrule_loss()
    nodes, edges = parse(graph_to_dot(loss, params={"w": w, "b": b, "loss": loss}))
    ops = Counter(label[0] for nid, label in nodes.items() if nid.startswith("op"))
    expected_ops = Counter(
        ["MatMulBackward0", "AddBackward0", "SigmoidBackward0"]
        + ["SubBackward0", "PowBackward0", "MeanBackward0"]
    )
    expected_edges = Counter(
        [
            ("w", "MatMulBackward0"),
            ("MatMulBackward0", "AddBackward0"),
            ("b", "AddBackward0"),
            ("AddBackward0", "SigmoidBackward0"),
            ("SigmoidBackward0", "SubBackward0"),
            ("SubBackward0", "PowBackward0"),
            ("PowBackward0", "MeanBackward0"),
            ("MeanBackward0", "loss"),
        ]
    )
    assert ops == expected_ops
    assert Counter(edges) == expected_edges
    # the same structure as PyTorch's graph of the same expression
    t_loss, t_w, t_b = torch_loss()
    t_ops, t_edges = torch_graph(t_loss, {id(t_w): "w", id(t_b): "b"})
    assert (t_ops, t_edges) == (expected_ops, expected_edges)
    # tensors: the two parameters and the output, nothing else (x and y need no grad)
    tensors = sorted(label[0] for nid, label in nodes.items() if not nid.startswith("op"))
    assert tensors == ["b", "loss", "w"]


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(NUMBER, line)]


def test_labels_show_names_shapes_values_and_grads_as_torch_computes_them():
    loss, w, b = chainrule_loss()
    t_loss, t_w, t_b = torch_loss()
    nodes, _ = parse(graph_to_dot(loss, params={"w": w, "b": b}))
    by_name = {label[0]: label for label in nodes.values()}
    assert by_name["w"][1] == "shape (2, 1)"
    assert by_name["w"][2].startswith("data = ")
    np.testing.assert_allclose(numbers(by_name["w"][2]), W.ravel(), rtol=1e-3)
    assert by_name["w"][3].startswith("grad = ")
    np.testing.assert_allclose(numbers(by_name["w"][3]), t_w.grad.numpy().ravel(), rtol=1e-3)
    assert by_name["b"][1] == "shape (1,)"
    np.testing.assert_allclose(numbers(by_name["b"][3]), t_b.grad.numpy(), rtol=1e-3)
    root = by_name["output"]  # unnamed root
    assert root[1] == "scalar"
    np.testing.assert_allclose(numbers(root[2]), [t_loss.item()], rtol=1e-3)
    assert len(root) == 3  # a non-leaf has no .grad to show
    assert not any("float32" in line for label in nodes.values() for line in label)


def test_big_tensors_show_norms_and_other_dtypes_are_named():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))  # float64, 12 elements > max_values
    x = chainrule.tensor(a, requires_grad=True)
    (x * x).sum().backward()
    nodes, _ = parse(graph_to_dot((x * x).sum(), params={"x": x}))
    label = next(label for label in nodes.values() if label[0] == "x")
    assert label[1:3] == ["shape (3, 4)", "float64"]
    assert label[3].startswith("‖data‖ = ") and label[4].startswith("‖grad‖ = ")
    np.testing.assert_allclose(numbers(label[3]), [np.linalg.norm(a)], rtol=1e-3)
    np.testing.assert_allclose(numbers(label[4]), [np.linalg.norm(2 * a)], rtol=1e-3)
    # more values allowed: the 12 values themselves
    nodes, _ = parse(graph_to_dot(x, params={"x": x}, max_values=12))
    (label,) = nodes.values()
    np.testing.assert_allclose(numbers(label[3]), a.ravel(), rtol=1e-3)


def test_show_data_and_show_grad_can_be_turned_off():
    loss, w, b = chainrule_loss()
    dot = graph_to_dot(loss, params={"w": w, "b": b}, show_data=False, show_grad=False)
    assert "data" not in dot and "grad =" not in dot
    assert "shape (2, 1)" in dot


def test_a_modules_parameters_are_named():
    chainrule.manual_seed(0)
    layer = chainrule.nn.Linear(3, 2)
    out = layer(chainrule.ones(5, 3)).sum()
    nodes, edges = parse(graph_to_dot(out, params=layer))
    names = {label[0] for label in nodes.values()}
    assert {"weight", "bias"} <= names
    assert any(src == "weight" for src, _ in edges) and any(src == "bias" for src, _ in edges)


def test_a_custom_functions_node_is_drawn_under_its_name():
    class Square(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    _, edges = parse(graph_to_dot(Square.apply(x).sum(), params={"x": x}))
    assert ("x", "SquareBackward") in edges and ("SquareBackward", "SumBackward0") in edges


def test_a_leaf_alone_and_several_roots():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(graph_to_dot(x, params={"x": x}))
    assert list(nodes.values()) == [["x", "shape (2,)", "data = [1, 2]"]] and edges == []
    h = x * 2.0
    nodes, edges = parse(graph_to_dot([h.sum(), h.mean()], params={"x": x}))
    labels = Counter(label[0] for label in nodes.values())
    assert labels == Counter(
        {"x": 1, "MulBackward0": 1, "SumBackward0": 1, "MeanBackward0": 1}
        | {"output 0": 1, "output 1": 1}
    )
    assert edges.count(("x", "MulBackward0")) == 1  # shared nodes are drawn once


def test_a_100000_op_chain_draws_capped_and_in_full_without_recursion():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    nodes, edges = parse(graph_to_dot(y, params={"x": x}))
    ops = [label[0] for nid, label in nodes.items() if nid.startswith("op")]
    assert ops == ["MulBackward0"] * 500
    note = nodes["more"][0]
    assert "99500 more operations not drawn" in note
    assert edges.count(("MulBackward0", "MulBackward0")) == 499
    assert edges.count((note, "MulBackward0")) == 1
    full = graph_to_dot(y, params={"x": x}, max_nodes=None)
    assert full.count('[label="MulBackward0"') == 100_000 and "more" not in full
    assert "\tt0 -> op99999\n" in full  # the leaf feeds the deepest op


def test_draw_graph_is_a_digraph_of_the_same_dot_text():
    pytest.importorskip("graphviz")
    loss, w, b = chainrule_loss()
    graph = draw_graph(loss, params={"w": w, "b": b}, title="a title")
    assert graph.source == graph_to_dot(loss, params={"w": w, "b": b}, title="a title")
    assert hasattr(graph, "_repr_mimebundle_")  # renders inline in Jupyter
    with pytest.raises(ValueError, match="format"):
        draw_graph(loss, format="jpg")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_dot
def test_saves_svg_png_and_pdf(tmp_path):
    loss, w, b = chainrule_loss()
    dot = graph_to_dot(loss, params={"w": w, 'odd "name" \\': b})
    assert save_graph(dot, tmp_path / "g.svg") == tmp_path / "g.svg"
    svg = ET.parse(tmp_path / "g.svg").getroot()
    assert svg.tag.endswith("svg")
    texts = [t.text for t in svg.iter() if t.tag.endswith("text")]
    assert texts.count("MatMulBackward0") == 1 and 'odd "name" \\' in texts
    save_graph(dot, tmp_path / "g.png")
    width, height = png_size((tmp_path / "g.png").read_bytes())
    # the PNG is the SVG's size (points) at 150 dpi
    points = [float(svg.get(k).removesuffix("pt")) for k in ("width", "height")]
    assert abs(width - points[0] * 150 / 72) <= 3 and abs(height - points[1] * 150 / 72) <= 3
    save_graph(dot, tmp_path / "g.pdf")
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.pdf", "g.png", "g.svg"]


def test_without_dot_it_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot anywhere
    loss, w, b = chainrule_loss()
    dot = graph_to_dot(loss, params={"w": w, "b": b})
    with pytest.warns(GraphvizNotFoundWarning) as caught:
        written = save_graph(dot, tmp_path / "out" / "g.svg")
    assert written == tmp_path / "out" / "g.dot"
    assert written.read_text(encoding="utf-8") == dot
    assert not (tmp_path / "out" / "g.svg").exists()
    message = str(caught[0].message)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert hint in message
    assert f"dot -Tsvg {written}" in message


def test_in_a_notebook_without_dot_the_graph_shows_its_source_not_an_error(monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", "")  # no dot anywhere: graphviz's own display would raise
    loss, w, b = chainrule_loss()
    graph = draw_graph(loss, params={"w": w, "b": b})
    bundle = graph._repr_mimebundle_()  # what Jupyter calls to show a cell's result
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].endswith("\n" + graph.source)
    assert "Graphviz's dot program was not found" in bundle["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"]


@needs_dot
def test_in_a_notebook_with_dot_the_graph_renders_as_svg():
    loss, w, b = chainrule_loss()
    svg = draw_graph(loss, params={"w": w, "b": b})._repr_mimebundle_()["image/svg+xml"]
    assert ET.fromstring(svg).tag.endswith("svg") and "MatMulBackward0" in svg


def test_save_graph_refuses_an_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        save_graph("digraph { a }", tmp_path / "g.jpg")
    assert save_graph("digraph { a }", tmp_path / "g.dot").read_text() == "digraph { a }"


def test_saved_files_have_ordinary_permissions(tmp_path):
    """Regression: files went through mkstemp and kept its 0600 mode."""
    import os

    from chainrule.viz import save_graph

    a = chainrule.tensor([1.0], requires_grad=True)
    path = save_graph(graph_to_dot(a * 2), tmp_path / "g.dot")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
