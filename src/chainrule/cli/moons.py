"""``chainrule moons`` (being written)."""

from __future__ import annotations


def add_parser(commands):
    return commands.add_parser("moons", help="(being written)")


def run(args) -> int:
    print("chainrule moons: not written yet")
    return 1
