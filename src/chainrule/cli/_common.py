"""Helpers shared by the subcommands: option types, the output folder, progress bars."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .._optional import available


def positive(kind):
    """An argparse type: ``kind(text)`` that must be > 0 (a usage error otherwise)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            article = "an" if kind.__name__[0] in "aeiou" else "a"
            raise argparse.ArgumentTypeError(
                f"expected {article} {kind.__name__}, got {text!r}"
            ) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--out, --format, --no-plot: where and whether figures are written."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("chainrule-out"),
        help="folder for figures and checkpoints (default: ./chainrule-out)",
    )
    parser.add_argument(
        "--format", choices=("png", "svg", "pdf"), default="png", help="figure format"
    )
    parser.add_argument("--no-plot", action="store_true", help="write no figures")


def output_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def progress(iterable, *, total=None, desc=None, quiet=False, **kwargs):
    """A tqdm progress bar when stderr is a terminal and tqdm is installed; else the
    iterable itself (so logs and tests stay clean)."""
    if quiet or not sys.stderr.isatty() or os.environ.get("CHAINRULE_NO_PROGRESS"):
        return iterable
    if not available("tqdm"):
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False, **kwargs)
