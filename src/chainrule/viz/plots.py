"""Training plots shared by the demos: loss curves, decision boundaries, saving figures.

Everything here uses matplotlib's object API (``matplotlib.figure.Figure``), never pyplot's
global state, so it works without a display and leaves no figures open behind it.
matplotlib is imported only when a function needs it (``pip install "chainrule[plot]"``).

    fig, (left, right) = new_figure(ncols=2, size=(12, 4.5))
    plot_loss_curve(left, losses)
    plot_decision_boundary(right, predict, points, labels, bounds=(-0.5, 1.5, -0.5, 1.5))
    save_figure(fig, "out/xor.png")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import require

__all__ = [
    "new_figure",
    "save_figure",
    "plot_loss_curve",
    "plot_loss_difference",
    "plot_decision_boundary",
]

# Probability maps: blue for class 0, red for class 1 (the tutorial's Part 7 colour map).
PROBABILITY_CMAP = "RdYlBu_r"
CLASS_CMAP = "tab10"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
DPI = 100


def new_figure(
    ncols: int = 1,
    nrows: int = 1,
    size: tuple[float, float] | None = None,
    *,
    dpi: int = DPI,
) -> tuple[Any, Any]:
    """A figure and its axes, like ``pyplot.subplots`` but with no global state.

    ``size`` is (width, height) in inches (default: 5.5 x 4.5 per panel); the saved image is
    ``size * dpi`` pixels. ``axes`` is one Axes for a single panel, a 1-D array for a single
    row or column, a 2-D array otherwise (pyplot's ``squeeze`` rule). The layout is
    "constrained", so titles, labels and colour bars never overlap.
    """
    require("matplotlib", "plotting")
    from matplotlib.figure import Figure

    if size is None:
        size = (5.5 * ncols, 4.5 * nrows)
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix), creating the folder; close it.

    Dates are left out of SVG and PDF metadata so that the same figure gives the same file
    (the README's images are committed).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {".svg": {"Date": None}, ".pdf": {"CreationDate": None}}.get(path.suffix.lower())
    fig.savefig(path, dpi="figure", metadata=metadata)
    _close(fig)
    return path


def _close(fig) -> None:
    import sys

    # A Figure built with new_figure belongs to nobody; one from pyplot is also registered
    # with pyplot, which keeps it alive until it is closed there.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def plot_loss_curve(ax, losses: Sequence[float], *, label: str | None = None, log: bool = True):
    """Draw one loss value per epoch (epochs counted from 1) on ``ax``; returns the line.

    ``log`` puts the loss on a log scale, where both the early plateau and the late,
    slow convergence are visible. Call again on the same axes to overlay more curves.
    """
    values = np.asarray(losses, dtype=np.float64).reshape(-1)
    epochs = np.arange(1, values.size + 1)
    (line,) = ax.plot(epochs, values, linewidth=2, label=label)
    if log:
        ax.set_yscale("log")
        _plain_labels_within_a_decade(ax)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss")
    if not ax.get_title():
        ax.set_title("Training loss", fontweight="bold")
    ax.grid(True, which="major", alpha=0.3)
    if label is not None:
        ax.legend()
    return line


def _plain_labels_within_a_decade(ax) -> None:
    """On a log axis spanning less than a factor of 10, label the ticks 0.26, 0.24, ...

    (matplotlib's default there is 2.6 x 10^-1 on every minor tick.) ``set_yscale("log")``
    restores the default formatters, so an overlay that widens the range gets them back.
    """
    from matplotlib.ticker import FuncFormatter

    ax.autoscale_view()
    low, high = ax.get_ylim()
    if low > 0 and high / low < 10:
        plain = FuncFormatter(lambda value, _: f"{value:.3g}")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.grid(True, which="minor", axis="y", alpha=0.3)  # no major ticks inside a decade


def plot_loss_difference(
    ax,
    losses: Sequence[float],
    reference: Sequence[float],
    *,
    label: str = "|loss − reference|",
    tolerance: float | None = None,
):
    """Draw |losses − reference| per epoch on a log scale; returns the line.

    For checking one implementation against another (chainrule against PyTorch): a grey
    dotted line marks the float32 spacing at the loss value (one unit in the last place),
    the level of pure rounding differences, and ``tolerance`` is drawn as a dashed line.
    Epochs where the two agree exactly leave gaps (a log axis has no 0).
    """
    losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    reference = np.asarray(reference, dtype=np.float64).reshape(-1)
    if losses.shape != reference.shape:
        raise ValueError(
            f"plot_loss_difference: {losses.size} losses against {reference.size} reference "
            "values; the curves must have the same length"
        )
    difference = np.abs(losses - reference)
    epochs = np.arange(1, difference.size + 1)
    nonzero = difference > 0
    # dots, not a line: the differences are a few discrete float32 steps, often exactly 0
    (line,) = ax.plot(
        epochs[nonzero], difference[nonzero], linestyle="none", marker=".", markersize=3,
        color="#C1121F", label=label,
    )  # fmt: skip
    spacing = np.spacing(np.abs(reference).astype(np.float32)).astype(np.float64)
    ax.plot(epochs, spacing, color="black", lw=1.2, ls=":", label="float32 spacing at the loss")
    if tolerance is not None:
        ax.axhline(tolerance, color="black", ls="--", lw=1, label=f"tolerance {tolerance:.0e}")
    equal = difference.size - int(nonzero.sum())
    count = f"(exactly equal at {equal} of {difference.size} epochs)"
    ax.plot([], [], linestyle="none", label=count)  # a legend line, not a curve
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Absolute loss difference (log scale)")
    if not ax.get_title():
        ax.set_title("Difference per epoch", fontweight="bold")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    return line


def plot_decision_boundary(
    ax,
    predict: Callable[[np.ndarray], Any],
    points,
    labels,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    resolution: int = 200,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
):
    """Colour the plane by a classifier's output and draw the labelled points on top.

    ``predict`` maps an (n, 2) float32 array to one value per point:

    - floats in [0, 1] (shape (n,) or (n, 1)): the probability of class 1. Drawn as a filled
      contour map with a colour bar and the 0.5 decision boundary as a black line.
    - integers: class ids. Each class's region is shaded in its colour, with boundaries.
    - an (n, k) float array with k > 1: scores per class; the class is their argmax.

    ``bounds`` is (x_min, x_max, y_min, y_max); by default the points' range plus a margin.
    Returns the filled contour set.
    """
    require("matplotlib", "plotting")
    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(
            f"plot_decision_boundary: points must have shape (n, 2) with one label each, got "
            f"points of shape {points.shape} and {labels.size} labels"
        )
    x_min, x_max, y_min, y_max = bounds if bounds is not None else _default_bounds(points)
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    values = _as_array(predict(grid))
    if values.ndim == 2 and values.shape[1] > 1:
        values = values.argmax(axis=1)
    values = values.reshape(-1)
    if values.size != grid.shape[0]:
        raise ValueError(
            f"plot_decision_boundary: predict returned {values.size} values for "
            f"{grid.shape[0]} grid points; it must return one value per point"
        )
    zz = values.reshape(xx.shape)
    n_classes = int(max(labels.max(initial=0), zz.max() if zz.size else 0)) + 1
    if np.issubdtype(zz.dtype, np.integer) or zz.dtype == np.bool_:
        filled = _draw_class_regions(ax, xx, yy, zz.astype(np.int64), n_classes)
        colours, boundary = _class_colours(n_classes), "class boundary"
    else:
        filled, crosses = _draw_probability_map(ax, xx, yy, zz.astype(np.float64))
        n_classes = max(n_classes, 2)
        colours = _binary_colours() if n_classes == 2 else _class_colours(n_classes)
        boundary = "boundary (p = 0.5)" if crosses else None
    _draw_points(ax, points, labels, colours, class_names, boundary)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("Input 1")
    ax.set_ylabel("Input 2")
    ax.set_title(title if title is not None else "Decision boundary", fontweight="bold")
    return filled


def _as_array(values) -> np.ndarray:
    """NumPy view of ``predict``'s result, whether it is an array, a list or a tensor."""
    if hasattr(values, "detach"):
        values = values.detach()
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values)


def _default_bounds(points: np.ndarray) -> tuple[float, float, float, float]:
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-9) + 0.25
    return (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])


def _draw_probability_map(ax, xx, yy, zz):
    filled = ax.contourf(
        xx, yy, zz, levels=np.linspace(0.0, 1.0, 21), cmap=PROBABILITY_CMAP, alpha=0.85,
        extend="neither",
    )  # fmt: skip
    ax.figure.colorbar(filled, ax=ax, label="Predicted P(class 1)", ticks=np.linspace(0, 1, 6))
    crosses = bool(zz.min() < 0.5 < zz.max())  # else there is no 0.5 line to draw
    if crosses:
        ax.contour(xx, yy, zz, levels=[0.5], colors="black", linewidths=2)
    return filled, crosses


def _draw_class_regions(ax, xx, yy, zz, n_classes: int):
    from matplotlib.colors import ListedColormap

    levels = np.arange(n_classes + 1) - 0.5
    cmap = ListedColormap(_class_colours(n_classes))
    filled = ax.contourf(xx, yy, zz, levels=levels, cmap=cmap, alpha=0.3)
    ax.contour(xx, yy, zz, levels=levels[1:-1], colors="black", linewidths=1)
    return filled


def _binary_colours() -> list:
    from matplotlib import colormaps

    cmap = colormaps[PROBABILITY_CMAP]
    return [cmap(0.0), cmap(1.0)]


def _class_colours(n_classes: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps[CLASS_CMAP]
    return [cmap(i % cmap.N) for i in range(n_classes)]


def _draw_points(ax, points, labels, colours, class_names, boundary: str | None) -> None:
    from matplotlib.lines import Line2D

    few = len(points) <= 20
    handles = []
    for k in np.unique(labels):
        # a marker shape per class as well as a colour: readable in grey and when colour-blind
        marker = MARKERS[k % len(MARKERS)]
        mine = points[labels == k]
        ax.scatter(
            mine[:, 0], mine[:, 1], color=colours[k], marker=marker, s=170 if few else 22,
            edgecolors="black", linewidths=1.5 if few else 0.5, zorder=10,
        )  # fmt: skip
        handles.append(
            Line2D([], [], marker=marker, linestyle="", markersize=9, markerfacecolor=colours[k],
                   markeredgecolor="black", label=_class_name(k, class_names))
        )  # fmt: skip
    if boundary is not None:
        handles.append(Line2D([], [], color="black", linewidth=2, label=boundary))
    ax.legend(handles=handles, loc="best", framealpha=0.9)


def _class_name(k: int, class_names) -> str:
    if class_names is not None and k < len(class_names):
        return str(class_names[k])
    return f"class {k}"
