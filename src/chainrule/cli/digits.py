"""``chainrule digits`` (being written)."""

from __future__ import annotations


def add_parser(commands):
    return commands.add_parser("digits", help="(being written)")


def run(args) -> int:
    print("chainrule digits: not written yet")
    return 1
