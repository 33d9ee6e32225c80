"""Plots for a classifier's training: metric curves, the confusion matrix, sample predictions.

``chainrule digits`` draws all three; they take plain NumPy arrays and Python lists, so any
training loop can use them. matplotlib is imported only inside the plotting functions
(``pip install "chainrule[plot]"``); ``confusion_matrix`` needs NumPy alone.

    fig = plot_metric_curves({"train_loss": [...], "test_loss": [...], "test_acc": [...]})
    save_figure(fig, "out/curves.png")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .plots import new_figure, plot_loss_curve

__all__ = ["confusion_matrix", "plot_metric_curves", "plot_confusion_matrix", "plot_digit_grid"]

ERROR_RED = "#C1121F"


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: ``m[i, j]`` is the number of samples of
    class ``i`` predicted as ``j`` (rows true, columns predicted: scikit-learn's layout).

    The diagonal holds the correct predictions, so ``m.trace() / m.sum()`` is the accuracy.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"confusion_matrix: y_true has {y_true.size} labels but y_pred has {y_pred.size}"
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"confusion_matrix: {name} holds labels in [{labels.min()}, {labels.max()}], "
                f"outside [0, {num_classes - 1}] for num_classes={num_classes}"
            )
    # each (true, pred) pair gets one flat index, and bincount counts them all at once
    flat = y_true.astype(np.int64) * num_classes + y_pred.astype(np.int64)
    counts = np.bincount(flat, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def plot_metric_curves(
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    size: tuple[float, float] = (11.0, 4.2),
):
    """Two panels, one point per epoch: the losses (every ``*_loss`` key, log scale) on the
    left, the accuracies (every ``*_acc`` key, fractions drawn as percentages) on the right.

    Keys are named ``<split>_loss`` / ``<split>_acc`` (``train_loss``, ``test_acc``); the
    split becomes the legend label. Returns the matplotlib Figure (save it with
    ``save_figure``).
    """
    losses = {k: v for k, v in history.items() if k.endswith("_loss")}
    accuracies = {k: v for k, v in history.items() if k.endswith("_acc")}
    if not losses and not accuracies:
        raise ValueError(
            f"plot_metric_curves: history has no '*_loss' or '*_acc' series (keys: "
            f"{sorted(history)})"
        )
    fig, (loss_ax, acc_ax) = new_figure(ncols=2, size=size)
    loss_ax.set_title("Loss per epoch", fontweight="bold")
    for key, values in losses.items():
        line = plot_loss_curve(loss_ax, values, label=_split_name(key))
        line.set_marker("o" if len(values) <= 30 else "")
        line.set_markersize(4)
    loss_ax.set_ylabel("Cross-entropy loss (log scale)")

    for key, values in accuracies.items():
        percent = 100 * np.asarray(values, dtype=np.float64)
        epochs = np.arange(1, percent.size + 1)
        (line,) = acc_ax.plot(
            epochs, percent, linewidth=2, marker="o" if percent.size <= 30 else "",
            markersize=4, label=_split_name(key),
        )  # fmt: skip
        best = int(percent.argmax())
        acc_ax.annotate(
            f"best {percent[best]:.2f}% (epoch {best + 1})\nlast {percent[-1]:.2f}%",
            xy=(epochs[best], percent[best]), xytext=(0.97, 0.06), textcoords="axes fraction",
            ha="right", va="bottom", color=line.get_color(),
            arrowprops={"arrowstyle": "->", "color": line.get_color()},
        )  # fmt: skip
    acc_ax.set_xlabel("Epoch")
    acc_ax.set_ylabel("Accuracy (%)")
    acc_ax.set_title("Accuracy per epoch", fontweight="bold")
    acc_ax.grid(True, alpha=0.3)
    if accuracies:
        acc_ax.legend(loc="center right")
    for ax in (loss_ax, acc_ax):
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig


def _split_name(key: str) -> str:
    return key.rsplit("_", 1)[0].replace("_", " ").capitalize()


def plot_confusion_matrix(
    ax, y_true, y_pred, class_names: Sequence[str] | None = None, *, title: str | None = None
) -> np.ndarray:
    """Draw the confusion matrix on ``ax``, each cell annotated with its count; returns the
    matrix (rows true class, columns predicted class).

    Correct predictions sit on the diagonal; non-zero cells off it are the mistakes, their
    counts written in bold red so they stand out against the empty cells.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if class_names is not None:
        n = len(class_names)
    else:
        n = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    names = [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(n)]
    matrix = confusion_matrix(y_true, y_pred, n)

    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(int(matrix.max()), 1))
    dark = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            count = int(matrix[i, j])
            if i == j:
                colour, weight = ("white" if count > dark else "black"), "bold"
            elif count:
                colour, weight = ERROR_RED, "bold"
            else:
                colour, weight = "#B0B0B0", "normal"
            ax.text(j, i, str(count), ha="center", va="center", color=colour, fontweight=weight)
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    correct, total = int(matrix.trace()), int(matrix.sum())
    if title is None:
        share = f"{100 * correct / total:.2f}%" if total else "n/a"
        title = f"Confusion matrix: {correct} of {total} correct ({share})"
    ax.set_title(title, fontweight="bold")
    # thin white lines between the cells make the grid easy to follow across the matrix
    ax.set_xticks(np.arange(n + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="minor", length=0)
    return matrix


def plot_digit_grid(images, true, pred, ncols: int = 8, *, title: str | None = None):
    """A grid of images, each titled with its predicted label; a wrong prediction gets a red
    title that also gives the true label, and a red frame. Returns the Figure.

    ``images`` has shape (n, h, w) (grey levels, darker = higher, as ink on paper).
    """
    images = np.asarray(images)
    true = np.asarray(true).reshape(-1)
    pred = np.asarray(pred).reshape(-1)
    if images.ndim != 3 or not len(images) == len(true) == len(pred):
        raise ValueError(
            f"plot_digit_grid: expected images of shape (n, h, w) and n labels in true and "
            f"pred; got images {images.shape}, {true.size} true, {pred.size} pred labels"
        )
    if len(images) == 0:
        raise ValueError("plot_digit_grid: no images to draw")
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows, size=(1.2 * ncols, 1.4 * nrows + 0.6))
    axes = np.asarray(axes).reshape(-1)
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= len(images):
            ax.set_axis_off()
            continue
        ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
        if true[k] == pred[k]:
            ax.set_title(f"pred {pred[k]}", fontsize=10)
        else:
            ax.set_title(f"pred {pred[k]} (true {true[k]})", fontsize=10, color=ERROR_RED)
            for spine in ax.spines.values():
                spine.set_edgecolor(ERROR_RED)
                spine.set_linewidth(3)
    if title is None:
        wrong = int((true != pred).sum())
        title = f"Test digits with predicted labels: {wrong} of {len(images)} wrong (in red)"
    fig.suptitle(title, fontweight="bold")
    return fig
