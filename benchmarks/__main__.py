"""``python -m benchmarks [--quick] [--only W1,W3] [--repeat N] [--out DIR]``: run the
workloads, print the table, write results.json and results.png (``results-quick.*`` with
--quick). Exit status 1 when an implementation fails or the final losses disagree (and,
with --strict, when a target is missed); 2 on a usage error."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import sys
import time
from pathlib import Path

from . import harness, report
from .workloads import IMPLEMENTATIONS, select

DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="chainrule vs hand-written NumPy vs PyTorch eager, side by side (issue 6).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, 1 repetition: a smoke check of the harness (timings mean little)",
    )
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (W5 = W5a-c)")
    parser.add_argument(
        "--implementations",
        help=f"comma-separated subset of {','.join(IMPLEMENTATIONS)} (numpy is always run)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="timed repetitions after the warm-up, for every workload (default: 5, and 9 for "
        "the short W1, W4 and W5; quick: 1)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for results.json/png")
    parser.add_argument(
        "--settle",
        type=float,
        help="seconds of sleep between runs, for spinning BLAS/OpenMP threads to park "
        "(default 0.1; quick: 0)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="PyTorch intra-op threads (default: os.cpu_count(), as issue 6 asks)",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--strict", action="store_true", help="also exit 1 when a chainrule target is missed"
    )
    args = parser.parse_args(argv)
    if args.repeat is None and args.quick:
        args.repeat = 1
    if args.settle is None:
        args.settle = 0.0 if args.quick else 0.1
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.settle < 0:
        parser.error("--settle must be >= 0")
    if args.torch_threads is not None and args.torch_threads < 1:
        parser.error("--torch-threads must be at least 1")
    try:
        args.workloads = select(args.only)
    except ValueError as err:
        parser.error(str(err))
    if args.implementations:
        chosen = {name.strip() for name in args.implementations.split(",") if name.strip()}
        unknown = chosen - set(IMPLEMENTATIONS)
        if unknown:
            parser.error(f"unknown implementation(s): {', '.join(sorted(unknown))}")
        args.chosen = chosen | {"numpy"}  # the reference of every ratio and loss check
    else:
        args.chosen = set(IMPLEMENTATIONS)
    return args


def _repeat_text(args) -> str:
    if args.repeat is not None:
        return f"{args.repeat} timed repetition(s)"
    return "5 timed repetitions, 9 for W1, W4 and W5"


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def metadata(args) -> dict:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "repeat": args.repeat if args.repeat is not None else "per workload (5; 9 for W1, W4, W5)",
        "warmup_runs": 1,
        "settle_s": args.settle,
        "timer": "time.perf_counter around train() only",
        "gc": "enabled in timed regions for every implementation; gc.collect() before each",
        "memory": "peak RSS (VmHWM of /proc/self/status) of a fresh worker process per "
        "(workload, implementation) that imports only its own library, during building and "
        "training the model (the mark is reset before each run: clear_refs 5), largest "
        "over the warm-up and timed runs; import_rss_mb: the same just after the imports; "
        "process_peak_rss_mb: the worker's whole life, evaluation included",
        "cpu_count": os.cpu_count(),
        "torch_threads": args.torch_threads or os.cpu_count(),
        "load_average_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": {p: _version(p) for p in ("numpy", "torch", "chainrule", "scikit-learn")},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    meta = metadata(args)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    load = meta["load_average_before"]
    if load and load[0] > 0.5 * (os.cpu_count() or 1):
        log(f"warning: the machine is busy (load average {load[0]:.2f}): timings will be noisy")

    records = []
    for workload in args.workloads:
        names = [name for name in workload.implementations if name in args.chosen]
        results = harness.run_workload(workload, names, args, log)
        agreement = harness.check_agreement(workload, results)
        params = workload.params(args.quick)
        records.append(report.workload_record(workload, params, results, agreement))
        if not agreement["ok"]:
            log(f"{workload.id}: !!! FAIL: " + "; ".join(agreement["failures"]))
    meta["load_average_after"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    meta["wall_s"] = time.perf_counter() - started

    mode = "quick mode: tiny sizes, timings indicative only" if args.quick else "full"
    print(
        f"chainrule benchmarks ({mode}; {_repeat_text(args)} after a warm-up; "
        f"{os.cpu_count()} cores)"
    )
    print(report.format_table(records))
    summary = report.summary_lines(records)
    print("\n".join(summary))

    agreement_ok = all(r["loss_agreement"]["ok"] for r in records)
    targets = [r["target"] for r in records if r["target"] is not None]
    document = {
        "schema": 1,
        "meta": meta,
        "ok": agreement_ok,
        "targets_met": all(t["ok"] for t in targets),
        "workloads": records,
    }
    stem = "results-quick" if args.quick else "results"
    json_path = args.out / f"{stem}.json"
    report.write_json(json_path, document)
    print(f"wrote {json_path}")
    if not args.no_plot:
        png_path = args.out / f"{stem}.png"
        title = (
            f"chainrule vs NumPy limit vs PyTorch eager ({meta['mode']}, "
            f"{os.cpu_count()} cores, {meta['date'][:10]})"
        )
        report.plot(png_path, records, title)
        print(f"wrote {png_path}")

    if not agreement_ok:
        return 1
    if args.strict and not document["targets_met"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
