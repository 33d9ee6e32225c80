"""chainrule.viz.plots_training: the confusion matrix and the training figures."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule.viz.plots import save_figure  # noqa: E402
from chainrule.viz.plots_training import (  # noqa: E402
    ERROR_RED,
    confusion_matrix,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_metric_curves,
)


def png_size(path) -> tuple[int, int]:
    import struct

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- confusion_matrix
def test_confusion_matrix_by_hand():
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 2, 1, 1]
    # rows true, columns predicted: class 0 once right and once called 1; class 1 once
    # right and once called 2; class 2 twice right
    expected = [[1, 1, 0], [0, 1, 1], [0, 0, 2]]
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3), expected)


def test_confusion_matrix_keeps_absent_classes_and_is_not_symmetric():
    m = confusion_matrix(np.array([3, 3, 3]), np.array([0, 3, 3]), num_classes=5)
    assert m.shape == (5, 5) and m.sum() == 3
    assert m[3, 3] == 2 and m[3, 0] == 1 and m[0, 3] == 0


def test_confusion_matrix_agrees_with_scikit_learn(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    for k, n in [(2, 50), (10, 400), (7, 3)]:
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
        expected = metrics.confusion_matrix(y_true, y_pred, labels=range(k))
        np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, k), expected)


@pytest.mark.parametrize(
    "y_true, y_pred, k, message",
    [([0, 1], [0], 2, "2 labels but y_pred has 1"), ([0, 3], [0, 1], 3, "outside"),
     ([0, 1], [-1, 1], 2, "y_pred")],
)  # fmt: skip
def test_confusion_matrix_errors(y_true, y_pred, k, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, k)


# ---------------------------------------------------------------- plot_confusion_matrix
def test_plot_confusion_matrix_annotates_every_cell_with_its_count():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    y_true = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 1, 2, 2, 0, 2]
    matrix = plot_confusion_matrix(ax, y_true, y_pred, class_names=["a", "b", "c"])
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 3, 0], [1, 0, 3]])
    cells = {tuple(t.get_position()): t for t in ax.texts}
    assert len(cells) == 9
    for i in range(3):
        for j in range(3):
            text = cells[(j, i)]  # x is the predicted column, y the true row
            assert int(text.get_text()) == matrix[i, j]
    # the mistakes (non-zero cells off the diagonal) are written in red
    assert cells[(1, 0)].get_color() == ERROR_RED and cells[(0, 2)].get_color() == ERROR_RED
    assert cells[(0, 0)].get_color() != ERROR_RED and cells[(2, 0)].get_color() != ERROR_RED
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert "7 of 9 correct" in ax.get_title()
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), matrix)


# ---------------------------------------------------------------- plot_metric_curves
def test_plot_metric_curves_draws_losses_and_accuracies(tmp_path):
    history = {
        "train_loss": [1.0, 0.5, 0.25],
        "test_loss": [0.9, 0.6, 0.4],
        "test_acc": [0.8, 0.9, 0.95],
    }
    fig = plot_metric_curves(history, title="a run")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_yscale() == "log"
    assert [line.get_label() for line in loss_ax.get_lines()] == ["Train", "Test"]
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_xdata(), [1, 2, 3])
    (acc_line,) = acc_ax.get_lines()
    np.testing.assert_allclose(acc_line.get_ydata(), [80.0, 90.0, 95.0])  # percent
    assert acc_ax.get_ylabel() == "Accuracy (%)" and acc_ax.get_xlabel() == "Epoch"
    assert "best 95.00% (epoch 3)" in acc_ax.texts[0].get_text()
    assert fig.get_suptitle() == "a run"
    path = save_figure(fig, tmp_path / "curves.png")
    assert png_size(path) == (1100, 420)  # the default size, 11 x 4.2 inches at 100 dpi


def test_plot_metric_curves_needs_a_series():
    with pytest.raises(ValueError, match="no '\\*_loss' or '\\*_acc'"):
        plot_metric_curves({"lr": [0.1, 0.05]})


# ---------------------------------------------------------------- plot_digit_grid
def test_plot_digit_grid_marks_the_mistakes_in_red():
    images = np.arange(10 * 8 * 8).reshape(10, 8, 8) % 17
    true = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    pred = np.array([0, 1, 2, 5, 4, 5, 6, 7, 3, 9])  # two mistakes: 3 -> 5 and 8 -> 3
    fig = plot_digit_grid(images, true, pred, ncols=4)
    assert tuple(fig.get_size_inches()) == pytest.approx((4 * 1.2, 3 * 1.4 + 0.6))
    drawn = [ax for ax in fig.axes if ax.get_images()]
    assert len(drawn) == 10 and len(fig.axes) == 12  # 3 rows of 4: two empty panels
    assert all(not ax.axison for ax in fig.axes[10:])
    np.testing.assert_array_equal(drawn[8].get_images()[0].get_array(), images[8])
    titles = [ax.get_title() for ax in drawn]
    assert titles[0] == "pred 0" and titles[3] == "pred 5 (true 3)"
    assert titles[8] == "pred 3 (true 8)"
    red = [k for k, ax in enumerate(drawn) if ax.title.get_color() == ERROR_RED]
    assert red == [3, 8]
    framed = [k for k, ax in enumerate(drawn) if ax.spines["top"].get_linewidth() == 3]
    assert framed == [3, 8]
    assert "2 of 10 wrong" in fig.get_suptitle()


def test_plot_digit_grid_checks_its_inputs():
    with pytest.raises(ValueError, match="shape \\(n, h, w\\)"):
        plot_digit_grid(np.zeros((3, 64)), [0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="2 pred labels"):
        plot_digit_grid(np.zeros((3, 8, 8)), [0, 1, 2], [0, 1])
