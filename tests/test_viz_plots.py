"""``chainrule.viz.plots`` and ``chainrule.viz.gradflow``: what each function draws.

Expected values come from hand maths on small inputs (gradients of a linear layer, a known
decision boundary, norms of given arrays), never from the functions under test.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.viz.gradflow import (
    GradFlowRecorder,
    grad_norms,
    plot_grad_flow,
    plot_grad_norm_history,
)
from chainrule.viz.plots import (
    new_figure,
    plot_decision_boundary,
    plot_loss_curve,
    plot_loss_difference,
    save_figure,
)

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ------------------------------------------------------------------- figures and saving
def test_new_figure_shapes_like_subplots():
    fig, ax = new_figure()
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    fig, axes = new_figure(ncols=3, size=(9, 3))
    assert axes.shape == (3,) and all(isinstance(a, Axes) for a in axes)
    assert tuple(fig.get_size_inches()) == (9, 3)
    _, grid = new_figure(ncols=2, nrows=2)
    assert grid.shape == (2, 2)


def test_new_figure_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    new_figure(ncols=2)
    assert plt.get_fignums() == before


@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_save_figure_writes_the_format_and_creates_folders(tmp_path, suffix, magic):
    fig, ax = new_figure(size=(4, 3))
    ax.plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "a" / "b" / f"figure.{suffix}")
    assert path == tmp_path / "a" / "b" / f"figure.{suffix}"
    assert path.read_bytes().startswith(magic)
    if suffix == "png":
        assert png_size(path) == (400, 300)  # 4 x 3 inches at 100 dpi
    if suffix == "svg":
        text = path.read_text()
        assert "<svg" in text and 'width="288pt"' in text  # 4 in = 288 pt
        assert "<dc:date>" not in text  # no date: the same figure gives the same file


def test_save_figure_closes_a_pyplot_figure(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 2))
    assert fig.number in plt.get_fignums()
    save_figure(fig, tmp_path / "f.png")
    assert fig.number not in plt.get_fignums()


# ------------------------------------------------------------------------------ loss curve
def test_plot_loss_curve_draws_one_point_per_epoch_on_a_log_scale():
    fig, ax = new_figure()
    losses = [0.25, 0.1, 0.01, 0.001]
    line = plot_loss_curve(ax, losses, label="train")
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "Epoch" and ax.get_ylabel() == "Loss"
    assert ax.get_title() == "Training loss"
    assert legend_texts(ax) == ["train"]


def test_plot_loss_curve_linear_and_overlay_keep_the_title():
    fig, ax = new_figure()
    ax.set_title("mine")
    plot_loss_curve(ax, np.array([3.0, 2.0]), log=False)
    plot_loss_curve(ax, chainrule.tensor([1.0, 0.5]), label="second", log=False)
    assert ax.get_yscale() == "linear"
    assert ax.get_title() == "mine"
    assert len(ax.get_lines()) == 2
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [1.0, 0.5])


def test_log_loss_axis_within_a_decade_has_plain_labels():
    fig, ax = new_figure()
    plot_loss_curve(ax, [0.27, 0.2, 0.165])
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text()]
    assert "0.2" in labels and not any("10^" in text for text in labels)
    plot_loss_curve(ax, [0.25, 0.001])  # now three decades: the usual 10^k labels again
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("10^{-2}" in text for text in labels)


def test_plot_loss_difference_draws_nonzero_differences_and_the_tolerance():
    fig, ax = new_figure()
    ours, reference = [0.5, 0.25, 0.125], [0.5, 0.2, 0.1]
    dots = plot_loss_difference(ax, ours, reference, label="|a - b|", tolerance=1e-4)
    # by hand: |0.25 - 0.2| = 0.05 at epoch 2, |0.125 - 0.1| = 0.025 at epoch 3; epoch 1 equal
    np.testing.assert_array_equal(dots.get_xdata(), [2, 3])
    np.testing.assert_allclose(dots.get_ydata(), [0.05, 0.025])
    assert dots.get_linestyle() == "None"
    assert ax.get_yscale() == "log"
    assert any(list(line.get_ydata()) == [1e-4, 1e-4] for line in ax.get_lines())
    texts = legend_texts(ax)
    assert "|a - b|" in texts and "tolerance 1e-04" in texts
    assert "(exactly equal at 1 of 3 epochs)" in texts
    with pytest.raises(ValueError, match="same length"):
        plot_loss_difference(ax, [1.0], [1.0, 2.0])


# ----------------------------------------------------------------------- decision boundary
def _scatter_offsets(ax) -> np.ndarray:
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    return np.concatenate([s.get_offsets() for s in scatters])


def test_decision_boundary_of_probabilities_has_the_half_line_where_expected():
    seen = {}

    def predict(points):
        seen["points"] = points
        return 1.0 / (1.0 + np.exp(-20.0 * (points[:, 0] - 0.25)))  # p = 0.5 on x = 0.25

    fig, ax = new_figure()
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    labels = np.array([0, 1, 0])
    filled = plot_decision_boundary(
        ax, predict, points, labels, bounds=(-0.5, 1.5, -1.0, 2.0), resolution=50, title="T"
    )
    grid = seen["points"]
    assert grid.shape == (50 * 50, 2) and grid.dtype == np.float32
    np.testing.assert_allclose(grid.min(axis=0), [-0.5, -1.0])
    np.testing.assert_allclose(grid.max(axis=0), [1.5, 2.0])
    assert ax.get_xlim() == (-0.5, 1.5) and ax.get_ylim() == (-1.0, 2.0)
    assert ax.get_title() == "T" and ax.get_xlabel() == "Input 1"
    np.testing.assert_allclose(filled.levels, np.linspace(0, 1, 21))
    # the 0.5 contour: a line-contour set with the single level 0.5, all of it on x = 0.25
    (boundary,) = [c for c in ax.collections if list(getattr(c, "levels", [])) == [0.5]]
    vertices = np.concatenate(boundary.allsegs[0])
    np.testing.assert_allclose(vertices[:, 0], 0.25, atol=2.0 / 49)  # within one grid step
    np.testing.assert_allclose([vertices[:, 1].min(), vertices[:, 1].max()], [-1.0, 2.0])
    # the training points, each drawn once, and the legend naming them and the boundary
    offsets = _scatter_offsets(ax)
    assert sorted(map(tuple, offsets)) == sorted(map(tuple, points))
    assert legend_texts(ax) == ["class 0", "class 1", "boundary (p = 0.5)"]
    assert len(fig.axes) == 2  # the panel and its colour bar
    assert fig.axes[1].get_ylabel() == "Predicted P(class 1)"


def test_decision_boundary_accepts_tensors_and_column_outputs_and_names():
    def predict(points):
        return chainrule.tensor(points[:, :1] * 0 + 0.9)  # (n, 1) tensor, p > 0.5 everywhere

    fig, ax = new_figure()
    plot_decision_boundary(
        ax, predict, [[0, 0], [1, 1]], [0, 1], resolution=10, class_names=["no", "yes"]
    )
    assert legend_texts(ax) == ["no", "yes"]  # no 0.5 line: the map never crosses 0.5
    # default bounds contain the points with a margin
    assert ax.get_xlim()[0] < 0 and ax.get_xlim()[1] > 1


@pytest.mark.parametrize("kind", ["ids", "scores"])
def test_decision_boundary_of_class_ids(kind):
    def predict(points):
        ids = (points[:, 0] > 0).astype(np.int64) + (points[:, 1] > 0).astype(np.int64)
        return ids if kind == "ids" else np.eye(3, dtype=np.float32)[ids]

    fig, ax = new_figure()
    points = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0]])
    filled = plot_decision_boundary(ax, predict, points, [0, 1, 2], bounds=(-2, 2, -2, 2))
    np.testing.assert_allclose(filled.levels, [-0.5, 0.5, 1.5, 2.5])  # one band per class
    assert legend_texts(ax) == ["class 0", "class 1", "class 2", "class boundary"]
    assert len(fig.axes) == 1  # no colour bar for class ids


def test_decision_boundary_errors():
    fig, ax = new_figure()
    with pytest.raises(ValueError, match="one value per point"):
        plot_decision_boundary(ax, lambda p: np.zeros(3), [[0, 0]], [0], resolution=5)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_decision_boundary(ax, lambda p: p[:, 0], [[0, 0, 0]], [0])


# ------------------------------------------------------------------------- gradient flow
def _bars(ax, label: str) -> np.ndarray:
    (container,) = [
        c for c in ax.containers if isinstance(c, BarContainer) and c.get_label() == label
    ]
    return np.array([bar.get_height() for bar in container])


def _linear_model_with_known_grads():
    """fc (3 -> 2) and an unused layer; loss = sum(fc(x)) over a batch of two rows.

    By hand: d loss / d W[j, k] = sum_i x[i, k] = column sums of x = [1.5, -1.5, 2.0] for
    each of the 2 rows of W; d loss / d b[j] = batch size = 2.
    """
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    x = chainrule.tensor([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]])
    model[0](x).sum().backward()
    return model


def test_plot_grad_flow_bar_heights_are_the_mean_and_max_abs_grad():
    model = _linear_model_with_known_grads()
    fig = plot_grad_flow(model)
    ax = fig.axes[0]
    # mean |dW| = (1.5 + 1.5 + 2) / 3, max |dW| = 2; bias: both 2; the unused layer: 0 (no grad)
    np.testing.assert_allclose(_bars(ax, "mean |grad|"), [5 / 3, 2.0, 0.0, 0.0])
    np.testing.assert_allclose(_bars(ax, "max |grad|"), [2.0, 2.0, 0.0, 0.0])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["0.weight", "0.bias", "1.weight\n(no grad)", "1.bias\n(no grad)"]
    assert ax.get_title() == "Gradient flow" and ax.get_ylabel() == "|gradient|"
    assert legend_texts(ax) == ["max |grad|", "mean |grad|"]


def test_plot_grad_flow_takes_named_pairs_and_pytorch_parameters():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 2)
    layer.weight.grad = torch.tensor([[1.0, -3.0], [0.0, 2.0]])
    layer.bias.grad = torch.tensor([-0.5, 0.25])
    fig, ax = new_figure()
    assert plot_grad_flow(layer.named_parameters(), ax=ax, title="T", log=True) is fig
    np.testing.assert_allclose(_bars(ax, "mean |grad|"), [6 / 4, 0.75 / 2])
    np.testing.assert_allclose(_bars(ax, "max |grad|"), [3.0, 0.5])
    assert ax.get_title() == "T" and ax.get_yscale() == "log"


def test_plot_grad_flow_needs_gradients():
    with pytest.raises(ValueError, match="backward"):
        plot_grad_flow(nn.Linear(2, 2))


def test_grad_norms_are_l2_norms():
    model = _linear_model_with_known_grads()
    norms = grad_norms(model)
    # weight grad: two rows [1.5, -1.5, 2]: sqrt(2 * (2.25 + 2.25 + 4)) = sqrt(17); bias sqrt(8)
    assert norms == pytest.approx(
        {"0.weight": 17**0.5, "0.bias": 8**0.5, "1.weight": 0.0, "1.bias": 0.0}
    )


def test_plot_grad_norm_history():
    history = {"a": [1.0, 0.1, 0.0], "b": [2.0, 2.0, 2.0]}
    fig = plot_grad_norm_history(history)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 0.1, np.nan])  # 0: a gap
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "Epoch"
    with pytest.raises(ValueError, match="same"):
        plot_grad_norm_history({"a": [1.0], "b": [1.0, 2.0]})
    with pytest.raises(ValueError):
        plot_grad_norm_history({})


def test_grad_flow_recorder_keeps_the_history_and_the_first_gradients():
    layer = nn.Linear(1, 1)
    recorder = GradFlowRecorder(layer)
    with pytest.raises(ValueError, match="record"):
        recorder.figure()
    for scale in (1.0, 3.0):  # d(scale * (w x + b)) / dw = scale * x, / db = scale, x = 2
        layer.zero_grad()
        (scale * layer(chainrule.tensor([[2.0]]))).sum().backward()
        recorder.record()
    assert list(recorder.history) == ["weight", "bias"]
    np.testing.assert_allclose(recorder.history["weight"], [2.0, 6.0])
    np.testing.assert_allclose(recorder.history["bias"], [1.0, 3.0])
    fig = recorder.figure(title="run")
    history_ax, first_ax, last_ax = fig.axes
    assert first_ax.get_title() == "Gradient flow at epoch 1"
    assert last_ax.get_title() == "Gradient flow at epoch 2"
    np.testing.assert_allclose(_bars(first_ax, "max |grad|"), [2.0, 1.0])
    np.testing.assert_allclose(_bars(last_ax, "max |grad|"), [6.0, 3.0])
    assert fig.get_suptitle() == "run"
