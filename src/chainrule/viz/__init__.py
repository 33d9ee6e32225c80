"""``chainrule.viz``: draw the computational graph and plot training.

Nothing here imports matplotlib or graphviz until a function needs it; a missing package
raises an ImportError that names the chainrule extra to install (``plot`` or ``viz``).
"""

from __future__ import annotations

from .gradflow import (
    GradFlowRecorder,
    grad_norms,
    grad_stats,
    plot_grad_flow,
    plot_grad_norm_history,
)
from .graph import GraphvizNotFoundWarning, draw_graph, graph_to_dot, save_graph
from .plots import (
    new_figure,
    plot_decision_boundary,
    plot_loss_curve,
    plot_loss_difference,
    save_figure,
)
from .plots_training import (
    confusion_matrix,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_metric_curves,
)

__all__ = [
    "draw_graph",
    "graph_to_dot",
    "save_graph",
    "GraphvizNotFoundWarning",
    "new_figure",
    "save_figure",
    "plot_loss_curve",
    "plot_loss_difference",
    "plot_decision_boundary",
    "plot_grad_flow",
    "plot_grad_norm_history",
    "grad_norms",
    "grad_stats",
    "GradFlowRecorder",
    "confusion_matrix",
    "plot_confusion_matrix",
    "plot_digit_grid",
    "plot_metric_curves",
]
