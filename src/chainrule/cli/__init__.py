"""The ``chainrule`` command line: the tutorial's experiments, done properly.

    chainrule xor       the tutorial's XOR network, its figures and the PyTorch comparison
    chainrule digits    an MLP or CNN on scikit-learn's 8x8 digits
    chainrule moons     an MLP on the two-moons data set, with its decision boundary
    chainrule graph     the computational graph of the XOR network's loss

Each subcommand lives in its own module, which provides ``add_parser(commands)`` (register
its options) and ``run(args) -> int`` (do the work, return the exit status).
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["main"]

COMMANDS = ("xor", "digits", "moons", "graph")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: autograd and neural networks on NumPy, with PyTorch's API.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        sub = module.add_parser(commands)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chainrule`` script and of ``python -m chainrule``."""
    args = build_parser().parse_args(argv)  # None: sys.argv[1:]
    return args.run(args)
