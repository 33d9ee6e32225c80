"""Gradient flow: how much gradient reaches each layer.

After ``loss.backward()``, ``plot_grad_flow(model)`` draws, for every parameter, the mean and
the largest absolute value of its gradient: the familiar "gradient flow" bar chart. Bars that
shrink towards the input show vanishing gradients (saturated sigmoids, deep stacks); bars that
are empty mean no gradient arrived at all (a dead ReLU layer, a detached branch).

``grad_norms(model)`` measures each parameter's gradient norm; called once per epoch it builds
the history that ``plot_grad_norm_history`` draws (``chainrule xor --grad-flow`` does this).

Both work on chainrule and PyTorch models alike: anything with ``named_parameters()``, or an
iterable of ``(name, parameter)`` pairs whose ``.grad`` is a tensor or an array.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .plots import new_figure

__all__ = [
    "grad_stats",
    "grad_norms",
    "plot_grad_flow",
    "plot_grad_norm_history",
    "GradFlowRecorder",
]

MAX_COLOUR = "#8ECAE6"
MEAN_COLOUR = "#1D3557"


def _named(model_or_named_parameters) -> list[tuple[str, Any]]:
    if hasattr(model_or_named_parameters, "named_parameters"):
        pairs = model_or_named_parameters.named_parameters()
    else:
        pairs = model_or_named_parameters
    named = [(str(name), p) for name, p in pairs if getattr(p, "requires_grad", True)]
    if not named:
        raise ValueError("grad flow: there are no parameters that require gradients")
    return named


def _grad_array(parameter) -> np.ndarray | None:
    """|grad| as a float64 NumPy array, or None where no gradient arrived."""
    grad = getattr(parameter, "grad", None)
    if grad is None:
        return None
    if hasattr(grad, "detach"):
        grad = grad.detach()
    if hasattr(grad, "cpu"):
        grad = grad.cpu()
    if hasattr(grad, "numpy"):
        grad = grad.numpy()
    return np.abs(np.asarray(grad, dtype=np.float64))


def grad_stats(model_or_named_parameters) -> list[tuple[str, float | None, float | None]]:
    """``(name, mean |grad|, max |grad|)`` per parameter; None for both where grad is None."""
    stats = []
    for name, parameter in _named(model_or_named_parameters):
        grad = _grad_array(parameter)
        if grad is None:
            stats.append((name, None, None))
        else:
            stats.append((name, float(grad.mean()), float(grad.max(initial=0.0))))
    return stats


def grad_norms(model_or_named_parameters) -> dict[str, float]:
    """The L2 norm of each parameter's gradient (0.0 where none arrived), by name."""
    norms = {}
    for name, parameter in _named(model_or_named_parameters):
        grad = _grad_array(parameter)
        norms[name] = 0.0 if grad is None else float(np.sqrt(np.sum(grad * grad)))
    return norms


def plot_grad_flow(model_or_named_parameters, ax=None, *, title: str | None = None, log=False):
    """Bar chart of the mean and max |grad| of each parameter, in the model's order.

    Wide light bars are the largest |grad| in the tensor, narrow dark bars the mean. A
    parameter whose ``.grad`` is None gets bars of height 0 and "(no grad)" under its name. ``log``
    uses a log scale, which shows gradients spanning orders of magnitude. Draws into ``ax``
    if given (else a new figure) and returns the figure.
    """
    stats = grad_stats(model_or_named_parameters)
    if all(mean is None for _, mean, _ in stats):
        raise ValueError("plot_grad_flow: no parameter has a gradient yet; call backward() first")
    if ax is None:
        _, ax = new_figure(size=(max(5.0, 1.0 + 0.7 * len(stats)), 4.5))
    x = np.arange(len(stats))
    means = np.array([0.0 if m is None else m for _, m, _ in stats])
    maxes = np.array([0.0 if m is None else m for _, _, m in stats])
    ax.bar(x, maxes, width=0.8, color=MAX_COLOUR, edgecolor="#219EBC", label="max |grad|")
    ax.bar(x, means, width=0.45, color=MEAN_COLOUR, label="mean |grad|")
    names = [name if mean is not None else f"{name}\n(no grad)" for name, mean, _ in stats]
    crowded = len(stats) > 4
    ax.set_xticks(x, names, rotation=30 if crowded else 0, ha="right" if crowded else "center")
    ax.set_xlim(-0.6, len(stats) - 0.4)
    if log and np.any(maxes > 0):
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0.0)
    ax.set_xlabel("Parameter (input side → output side)")
    ax.set_ylabel("|gradient|")
    ax.set_title(title if title is not None else "Gradient flow", fontweight="bold")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return ax.figure


def plot_grad_norm_history(
    history: Mapping[str, Sequence[float]], ax=None, *, title: str | None = None
):
    """One line per parameter: its gradient's L2 norm at each epoch (log scale).

    ``history`` maps a parameter's name to its per-epoch norms, e.g. ``grad_norms(model)``
    appended after every ``backward()``. Returns the figure.
    """
    series = {name: np.asarray(values, dtype=np.float64) for name, values in history.items()}
    lengths = {values.size for values in series.values()}
    if not series or 0 in lengths or len(lengths) != 1:
        raise ValueError(
            "plot_grad_norm_history: history must map each parameter name to the same "
            f"non-zero number of per-epoch norms, got lengths {sorted(lengths)}"
        )
    if ax is None:
        _, ax = new_figure(size=(6.5, 4.5))
    epochs = np.arange(1, lengths.pop() + 1)
    for name, values in series.items():
        # a norm of exactly 0 has no place on a log axis: leave a gap there
        ax.plot(epochs, np.where(values > 0, values, np.nan), linewidth=1.8, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Gradient L2 norm")
    ax.set_title(title if title is not None else "Gradient norm per parameter", fontweight="bold")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return ax.figure


_Grad = namedtuple("_Grad", "grad")  # a stored gradient, in the shape plot_grad_flow reads


class GradFlowRecorder:
    """Watches a model's gradients during training: call ``record()`` after each backward.

    Keeps every parameter's gradient L2 norm per call (``history``) and a copy of the first
    gradients (``first``), so that ``figure()`` can show how the flow changed over training.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.history: dict[str, list[float]] = {name: [] for name, _ in _named(model)}
        self.first: list[tuple[str, _Grad]] | None = None

    def record(self) -> None:
        for name, norm in grad_norms(self.model).items():
            self.history[name].append(norm)
        if self.first is None:
            self.first = [
                (name, _Grad(None if (g := _grad_array(p)) is None else g.copy()))
                for name, p in _named(self.model)
            ]

    def figure(self, title: str | None = None):
        """Three panels: the norm history, the flow at the first and at the last record."""
        if self.first is None:
            raise ValueError("GradFlowRecorder.figure: nothing recorded yet; call record()")
        fig, axes = new_figure(ncols=3, size=(16, 4.8))
        plot_grad_norm_history(self.history, ax=axes[0])
        last = len(next(iter(self.history.values())))
        plot_grad_flow(self.first, ax=axes[1], title="Gradient flow at epoch 1")
        plot_grad_flow(self.model, ax=axes[2], title=f"Gradient flow at epoch {last}")
        if title is not None:
            fig.suptitle(title, fontsize=12)
        return fig
