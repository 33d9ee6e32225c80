"""The workloads of issue 6, in table order. Each module holds one workload (W5 holds three)
and its implementations; only NumPy is imported here, the libraries load in the workers."""

from __future__ import annotations

from . import w1_xor, w2_digits_mlp, w3_wide_mlp, w4_deep_chain, w5_overhead, w6_cnn
from ._base import Target, Workload

WORKLOADS: list[Workload] = [
    w1_xor.WORKLOAD,
    w2_digits_mlp.WORKLOAD,
    w3_wide_mlp.WORKLOAD,
    w4_deep_chain.WORKLOAD,
    *w5_overhead.WORKLOADS,
    w6_cnn.WORKLOAD,
]
BY_ID = {w.id: w for w in WORKLOADS}
IMPLEMENTATIONS = ("numpy", "tutorial", "chainrule", "torch")

__all__ = ["BY_ID", "IMPLEMENTATIONS", "WORKLOADS", "Target", "Workload", "select"]


def select(only: str | None) -> list[Workload]:
    """The workloads named in ``only`` ("W1,W3"; a family name such as "W5" takes all its
    parts), in table order; every workload when ``only`` is None."""
    if not only:
        return list(WORKLOADS)
    wanted = [name.strip().upper() for name in only.split(",") if name.strip()]
    known = {w.id.upper() for w in WORKLOADS} | {w.family.upper() for w in WORKLOADS}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        ids = ", ".join(w.id for w in WORKLOADS)
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; the workloads are {ids}")
    return [w for w in WORKLOADS if w.id.upper() in wanted or w.family.upper() in wanted]
