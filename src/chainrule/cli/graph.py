"""``chainrule graph`` (being written)."""

from __future__ import annotations


def add_parser(commands):
    return commands.add_parser("graph", help="(being written)")


def run(args) -> int:
    print("chainrule graph: not written yet")
    return 1
