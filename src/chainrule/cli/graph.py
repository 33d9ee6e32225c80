"""``chainrule graph``: draw the computational graph of the tutorial's XOR loss.

It builds the 2-4-1 sigmoid network exactly as ``chainrule xor`` initialises it, computes the
mean squared error on the four XOR points, runs one backward pass and draws the graph that
``backward`` walked: the parameters W1, b1, W2, b2 with their values (or norms) and fresh
gradients, every operation between them and the loss. Rendering needs Graphviz's ``dot``;
without it the DOT source is written instead, with a hint on how to install Graphviz.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import chainrule

from ..viz.graph import FORMATS, GraphvizNotFoundWarning, graph_to_dot, save_graph
from ._common import output_dir, positive
from .xor import XOR_INPUTS, XOR_TARGETS, _forward, _init_params

PARAM_NAMES = ("W1", "b1", "W2", "b2")
TITLE = "XOR network 2-{hidden}-1: MSE loss after one backward pass"


def add_parser(commands) -> argparse.ArgumentParser:
    graph = commands.add_parser(
        "graph",
        help="draw the computational graph of the XOR network's loss",
        description=(
            "Build the tutorial's XOR network, run one backward pass and draw the graph of "
            "its loss with the parameters' values and gradients."
        ),
    )
    graph.add_argument(
        "--out",
        type=Path,
        default=Path("chainrule-out"),
        help="folder for the drawing (default: ./chainrule-out)",
    )
    graph.add_argument("--format", choices=FORMATS, default="svg", help="default: svg")
    graph.add_argument("--hidden", type=positive(int), default=4, help="hidden units (default: 4)")
    graph.add_argument("--seed", type=int, default=42, help="NumPy seed for the init (default: 42)")
    return graph


def run(args) -> int:
    params = _init_params([2, args.hidden, 1], args.seed)
    named = dict(zip(PARAM_NAMES, params))
    x = chainrule.tensor(XOR_INPUTS)
    y = chainrule.tensor(XOR_TARGETS)
    loss = ((_forward(params, x) - y) ** 2).mean()
    loss.backward()

    named["loss"] = loss  # the root's label
    dot = graph_to_dot(loss, params=named, title=TITLE.format(hidden=args.hidden))
    path = output_dir(args.out) / f"xor-graph.{args.format}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphvizNotFoundWarning)
        written = save_graph(dot, path)
    print(f"XOR loss: {loss.item():.6f} (one backward pass; gradients drawn)")
    for warning in caught:
        if issubclass(warning.category, GraphvizNotFoundWarning):
            print(f"Note: {warning.message}")
        else:  # anything else keeps its usual route
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    print(f"Graph written to {written}")
    return 0
