"""What a workload is: its sizes, its data and initial weights, its implementations, its target.

An implementation is a function ``prepare(params, data) -> (train, finish)``. The harness
calls ``prepare`` (untimed: builds the model from the shared initial weights), then times
``train()`` alone, then calls ``finish(train's return value)`` (untimed) for a dict with at
least ``"loss"``, and optionally ``"checks"`` (more values that must agree across
implementations, such as a gradient) and ``"accuracy"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SHORT_REPEAT = 9  # Workload.repeat of W1, W4 and W5

Prepare = Callable[[dict, dict], tuple[Callable[[], Any], Callable[[Any], dict]]]


@dataclass(frozen=True)
class Target:
    """Issue 6's target for chainrule on one workload; ``None`` fields are not part of it."""

    ratio_to_numpy: float | None = None  # chainrule median <= this x NumPy's median
    no_slower_than: str | None = None  # chainrule median <= this implementation's median
    peak_ratio_to_numpy: float | None = None  # chainrule peak RSS <= this x NumPy's
    us_per_op: float | None = None  # chainrule median microseconds per op <= this

    def describe(self) -> str:
        parts = []
        if self.ratio_to_numpy is not None:
            parts.append(f"<={self.ratio_to_numpy:g}x NumPy")
        if self.no_slower_than is not None:
            parts.append(f"<={self.no_slower_than}")
        if self.peak_ratio_to_numpy is not None:
            parts.append(f"peak<={self.peak_ratio_to_numpy:g}x NumPy")
        if self.us_per_op is not None:
            parts.append(f"<={self.us_per_op:g} us/op")
        return ", ".join(parts)


@dataclass(frozen=True)
class Workload:
    """One row group of the table.

    ``params(quick)`` gives the sizes (plain JSON values, recorded in results.json);
    ``make_data(params)`` the arrays every implementation starts from (inputs, labels,
    initial weights, batch orders), made once in the parent process with NumPy and handed
    to each worker in an ``.npz`` file, so all implementations see identical numbers.
    ``metric`` names an extra column: ``"accuracy"`` (from ``finish``), ``"GFLOP/s"``
    (``work(params)`` flops per run / median seconds) or ``"us/op"`` (median seconds /
    ``work(params)`` ops per run).
    """

    id: str
    title: str
    params: Callable[[bool], dict]
    make_data: Callable[[dict], dict[str, np.ndarray]]
    implementations: dict[str, Prepare]
    target: Target | None = None
    metric: str | None = None
    work: Callable[[dict], float] | None = None
    rtol: float = 1e-3  # loss agreement with the NumPy reference
    atol: float = 1e-6
    checks_rtol: float = 1e-3  # agreement of the extra "checks" values
    # timed repetitions of a full run when --repeat is not given: the short workloads
    # (a second or less per run) take more, so that one burst of load on a shared machine
    # moves their median less
    repeat: int = 5
    notes: list[str] = field(default_factory=list)

    @property
    def family(self) -> str:
        """``W5`` for ``W5a``: ``--only W5`` selects every part of a family."""
        return self.id.rstrip("abcdefghijklmnopqrstuvwxyz")
