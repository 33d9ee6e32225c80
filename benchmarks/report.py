"""The results: one record per workload, the printed table, results.json and the bar chart.

Columns: median and min seconds of the timed repetitions; ``x NumPy`` and ``x PyTorch``,
the median divided by that implementation's median (below 1 is faster); ``peak MB``, the
worker's peak RSS while building and training the model (see ``harness``); the workload's
metric (test accuracy, GFLOP/s from the median, or microseconds per op from the median);
``agrees``, whether every run reached the NumPy reference's final loss; and, on
chainrule's row, issue 6's target and whether it is met.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .workloads import Workload

LABELS = {"numpy": "NumPy", "tutorial": "tutorial", "chainrule": "chainrule", "torch": "PyTorch"}
COLOURS = {"numpy": "#7f7f7f", "tutorial": "#e5a50a", "chainrule": "#1f77b4", "torch": "#d62728"}


def _ratio(value, reference):
    if value is None or not reference:
        return None
    return value / reference


def metric_value(workload: Workload, params: dict, result) -> float | None:
    if workload.metric == "accuracy":
        return result.runs[0].get("accuracy") if result.runs else None
    if result.median is None or workload.work is None:
        return None
    if workload.metric == "GFLOP/s":
        return workload.work(params) / result.median / 1e9
    if workload.metric == "us/op":
        return result.median / workload.work(params) * 1e6
    return None


def evaluate_target(workload: Workload, rows: dict) -> dict | None:
    """Issue 6's target, checked on chainrule's row against the others' medians."""
    target = workload.target
    mine, numpy = rows.get("chainrule"), rows.get("numpy")
    if target is None or mine is None:
        return None
    criteria = []

    def criterion(text: str, value, limit) -> None:
        ok = value is not None and limit is not None and value <= limit
        criteria.append({"criterion": text, "value": value, "limit": limit, "ok": ok})

    if target.ratio_to_numpy is not None:
        criterion("median / NumPy median", mine["ratio_numpy"], target.ratio_to_numpy)
    if target.no_slower_than is not None:
        other = rows.get(target.no_slower_than, {}).get("median_s")
        criterion(f"median vs {target.no_slower_than} median (s)", mine["median_s"], other)
    if target.peak_ratio_to_numpy is not None:
        ratio = _ratio(mine["peak_rss_mb"], numpy and numpy["peak_rss_mb"])
        criterion("peak RSS / NumPy peak RSS", ratio, target.peak_ratio_to_numpy)
    if target.us_per_op is not None:
        criterion("median us per op", mine["metric"]["value"], target.us_per_op)
    ok = all(c["ok"] for c in criteria) and mine["agrees"]
    return {"text": target.describe(), "criteria": criteria, "ok": ok}


def paired_ratio(times: list[float], reference: list[float]) -> float | None:
    """The median over repetitions of time / reference time in the same repetition.

    The two ran one after the other, so a slow spell of the machine that hits both cancels:
    steadier than the ratio of the medians when the machine is busy (JSON only)."""
    if not times or len(times) != len(reference):
        return None
    return float(np.median([t / r for t, r in zip(times, reference)]))


def workload_record(workload: Workload, params: dict, results: dict, agreement: dict) -> dict:
    """One workload's results as plain JSON values."""
    numpy, torch = results.get("numpy"), results.get("torch")
    rows = {}
    for name, result in results.items():
        first = result.runs[0] if result.runs else {}
        rows[name] = {
            "implementation": name,
            "times_s": result.times,
            "median_s": result.median,
            "min_s": result.best,
            "ratio_numpy": _ratio(result.median, numpy and numpy.median),
            "ratio_torch": _ratio(result.median, torch and torch.median),
            "paired_ratio_numpy": paired_ratio(result.times, numpy.times if numpy else []),
            "peak_rss_mb": result.peak_rss_mb,
            "peak_rss_per_run": result.peak_reset,
            "import_rss_mb": result.import_rss_mb,
            "process_peak_rss_mb": result.process_peak_rss_mb,
            "loss": first.get("loss"),
            "checks": first.get("checks", {}),
            "metric": {"name": workload.metric, "value": metric_value(workload, params, result)},
            "agrees": agreement["by_implementation"].get(name, False),
            "error": result.error,
        }
    return {
        "id": workload.id,
        "title": workload.title,
        "params": params,
        "metric": workload.metric,
        "loss_agreement": agreement,
        "target": evaluate_target(workload, rows),
        "rows": list(rows.values()),
    }


# ---------------------------------------------------------------------------- the table
def _num(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _metric_text(metric: dict) -> str:
    value = metric["value"]
    if value is None:
        return ""
    if metric["name"] == "accuracy":
        return f"acc {100 * value:.1f}%"
    if metric["name"] == "GFLOP/s":
        return f"{value:.1f} GFLOP/s"
    return f"{value:.2f} us/op"


COLUMNS = [
    ("workload", 8, "<"),
    ("implementation", 14, "<"),
    ("median s", 9, ">"),
    ("min s", 9, ">"),
    ("x NumPy", 8, ">"),
    ("x PyTorch", 9, ">"),
    ("peak MB", 8, ">"),
    ("metric", 16, ">"),
    ("agrees", 6, ">"),
    ("target (chainrule)", 0, "<"),
]


def _line(cells: list[str]) -> str:
    parts = [f"{cell:{align}{width}}" for cell, (_, width, align) in zip(cells, COLUMNS)]
    return "  ".join(parts).rstrip()


def format_table(records: list[dict]) -> str:
    lines = [_line([name for name, _, _ in COLUMNS])]
    lines.append("-" * len(lines[0]))
    for record in records:
        agreement = record["loss_agreement"]
        reference = agreement["values"].get(agreement["reference"], {}).get("loss")
        status = "OK" if agreement["ok"] else "FAIL"
        lines.append(
            f"{record['id']}  {record['title']}  {_params_text(record['params'])}  "
            f"[loss agreement: {status}; NumPy final loss {_num(reference, '.6g')}, "
            f"max rel diff {agreement.get('max_rel_diff', 0):.1e}]"
        )
        target = record["target"]
        for row in record["rows"]:
            verdict = ""
            if row["implementation"] == "chainrule" and target is not None:
                verdict = f"{target['text']}: {'PASS' if target['ok'] else 'FAIL'}"
            lines.append(
                _line(
                    [
                        record["id"],
                        LABELS.get(row["implementation"], row["implementation"]),
                        _num(row["median_s"], ".4f"),
                        _num(row["min_s"], ".4f"),
                        _num(row["ratio_numpy"], ".2f"),
                        _num(row["ratio_torch"], ".2f"),
                        _num(row["peak_rss_mb"], ".0f"),
                        _metric_text(row["metric"]),
                        "yes" if row["agrees"] else "FAIL",
                        verdict,
                    ]
                )
            )
        for failure in agreement["failures"]:
            lines.append(f"    !!! FAIL {record['id']}: {failure}")
    return "\n".join(lines)


def _params_text(params: dict) -> str:
    return "(" + ", ".join(f"{k}={v}" for k, v in params.items() if v is not None) + ")"


def summary_lines(records: list[dict]) -> list[str]:
    """The verdicts under the table: loud when a loss disagrees, then the targets."""
    lines = []
    disagree = [r["id"] for r in records if not r["loss_agreement"]["ok"]]
    if disagree:
        lines.append(
            "!!! FAIL: final losses disagree (or an implementation failed) in "
            f"{', '.join(disagree)}: those timings mean nothing until it is fixed."
        )
    else:
        lines.append("loss agreement: OK in every workload")
    targets = [(r["id"], r["target"]) for r in records if r["target"] is not None]
    missed = [wid for wid, t in targets if not t["ok"]]
    if targets:
        met = len(targets) - len(missed)
        lines.append(
            f"issue 6 targets: {met}/{len(targets)} met"
            + (f" (missed: {', '.join(missed)})" if missed else "")
        )
    return lines


# ---------------------------------------------------------------------------- files
def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def plot(path: Path, records: list[dict], title: str) -> None:
    """Grouped bars, one group per workload: each implementation's median over NumPy's, on a
    log axis; a black line at 1 (the NumPy limit), a short red line at chainrule's target."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError(
            "the bar chart needs matplotlib: pip install 'chainrule[plot]' (or pass --no-plot)"
        ) from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = list(LABELS)
    groups = [
        sorted(
            (row for row in record["rows"] if row["ratio_numpy"] is not None),
            key=lambda row: order.index(row["implementation"]),
        )
        for record in records
    ]
    width = 0.8 / max([len(group) for group in groups] + [1])
    labelled = set()  # each implementation's name goes into the legend once
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(records) + 2), 4.8))
    for i, (record, group) in enumerate(zip(records, groups)):
        limit = _target_ratio(record)
        for k, row in enumerate(group):
            name = row["implementation"]
            x = i + width * (k - (len(group) - 1) / 2)  # the group's bars centred on i
            bar = ax.bar(
                x,
                row["ratio_numpy"],
                width,
                color=COLOURS.get(name),
                hatch=None if row["agrees"] else "xx",
                label=None if name in labelled else LABELS.get(name, name),
            )
            labelled.add(name)
            ax.bar_label(bar, labels=[f"{row['ratio_numpy']:.2g}"], fontsize=7, padding=1)
            if name == "chainrule" and limit is not None:
                ax.hlines(limit, x - width / 2, x + width / 2, colors="red", linewidth=2)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(records)))
    ax.set_xticklabels([f"{r['id']}\n{r['title']}" for r in records], fontsize=7)
    ax.set_ylabel("median time / NumPy median (log scale)")
    ax.set_title(title, fontsize=10)
    ax.plot([], [], color="red", linewidth=2, label="chainrule target")
    ax.legend(fontsize=8, ncols=len(labelled) + 1, loc="upper left")
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.margins(y=0.15)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _target_ratio(record: dict) -> float | None:
    """Chainrule's target as a ratio to NumPy: the ratio itself, or (W5) the us/op limit
    over NumPy's us/op."""
    for criterion in (record["target"] or {}).get("criteria", []):
        if criterion["criterion"] == "median / NumPy median":
            return criterion["limit"]
        if criterion["criterion"] == "median us per op":
            numpy = next(r for r in record["rows"] if r["implementation"] == "numpy")
            if numpy["metric"]["value"]:
                return criterion["limit"] / numpy["metric"]["value"]
    return None
