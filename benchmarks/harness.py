"""Timing: one worker process per (workload, implementation), runs interleaved.

For each workload the harness

1. makes the data and initial weights once, with NumPy, and writes them to an ``.npz``;
2. starts one worker per implementation (``_worker.py``), all at once: each imports only
   its own library, then waits;
3. asks every worker for one warm-up run (its result is checked, its time discarded);
4. runs ``repeat`` repetitions (``--repeat``, else the workload's own: 5, or 9 for the
   short W1, W4 and W5); within each repetition every implementation runs once, the
   starting implementation rotating from one repetition to the next (rep 1: numpy,
   chainrule, torch; rep 2: chainrule, torch, numpy; ...), so slow drifts of the machine
   (thermal, other load) spread over all of them;
5. closes the workers.

Memory: each run first lowers the worker's peak-RSS mark to its current RSS (the previous
run's model freed), and reads the mark again when ``train()`` returns; an implementation's
``peak MB`` is the largest such reading. It covers the interpreter, the imported libraries
and the data, plus whatever building and training the model took; not the evaluation in
``finish`` (a whole-dataset forward pass can outgrow training). The worker's peak over its
whole life is kept too, as ``process_peak_rss_mb``.

Between two runs the harness sleeps ``settle`` seconds: BLAS and OpenMP threads spin for a
while after their last job, and a run should not pay for its predecessor's spinning.
The garbage collector stays enabled inside timed regions (as in a user's script) for every
implementation alike; each worker runs ``gc.collect()`` just before each timed region.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .workloads import Workload

ROOT = Path(__file__).resolve().parents[1]  # the repository: `benchmarks` is importable here


@dataclass
class ImplementationResult:
    """Everything measured for one implementation of one workload."""

    name: str
    times: list[float] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)  # finish() results, warm-up first
    import_rss_mb: float | None = None
    peak_rss_mb: float | None = None  # the largest over the runs, during prepare + train
    peak_reset: bool = True  # False: the peak mark could not be reset, peaks are cumulative
    process_peak_rss_mb: float | None = None  # the worker's whole life, evaluation included
    error: str | None = None

    @property
    def median(self) -> float | None:
        return float(np.median(self.times)) if self.times else None

    @property
    def best(self) -> float | None:
        return min(self.times) if self.times else None


class Worker:
    """A worker process and its one-line-per-message JSON protocol."""

    def __init__(self, workload: Workload, implementation: str, data: Path, options) -> None:
        command = [sys.executable, "-m", "benchmarks._worker", workload.id, implementation]
        command.append(str(data))
        if options.quick:
            command.append("--quick")
        if options.torch_threads:
            command += ["--torch-threads", str(options.torch_threads)]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        self.name = implementation
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            env=env,
        )

    def receive(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            return {"error": f"the {self.name} worker died (exit status {code})"}
        return json.loads(line)

    def request(self, command: str) -> dict:
        try:
            self.proc.stdin.write(json.dumps({"cmd": command}) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"error": f"the {self.name} worker died (exit status {self.proc.wait()})"}
        return self.receive()

    def close(self) -> dict:
        answer = self.request("exit") if self.proc.poll() is None else {}
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return answer


def interleaved_order(names: list[str], repetition: int) -> list[str]:
    """Every implementation once, starting one further along each repetition."""
    start = repetition % len(names)
    return names[start:] + names[:start]


def run_workload(workload: Workload, implementations: list[str], options, log) -> dict:
    """Time ``implementations`` of ``workload``; returns ``{name: ImplementationResult}``."""
    params = workload.params(options.quick)
    results = {name: ImplementationResult(name) for name in implementations}
    with tempfile.TemporaryDirectory(prefix="chainrule-bench-") as tmp:
        data_path = Path(tmp) / f"{workload.id}.npz"
        np.savez(data_path, **workload.make_data(params))
        workers = {name: Worker(workload, name, data_path, options) for name in implementations}
        try:
            for name, worker in workers.items():
                ready = worker.receive()
                if "error" in ready:
                    results[name].error = ready["error"]
                else:
                    results[name].import_rss_mb = ready["import_rss_mb"]

            def run(name: str, timed: bool) -> None:
                if results[name].error:
                    return
                answer = workers[name].request("run")
                if "error" in answer:
                    results[name].error = answer["error"]
                    return
                seconds = answer.pop("seconds")
                peak = answer.pop("peak_rss_mb")
                results[name].peak_rss_mb = max(peak, results[name].peak_rss_mb or 0.0)
                results[name].peak_reset &= answer.pop("peak_reset")
                results[name].runs.append(answer)
                if timed:
                    results[name].times.append(seconds)
                time.sleep(options.settle)

            log(f"{workload.id}: warm-up")
            for name in implementations:
                run(name, timed=False)
            repeat = repetitions(workload, options)
            for rep in range(repeat):
                log(f"{workload.id}: repetition {rep + 1}/{repeat}")
                for name in interleaved_order(implementations, rep):
                    run(name, timed=True)
        finally:
            for name, worker in workers.items():
                answer = worker.close()
                results[name].process_peak_rss_mb = answer.get("process_peak_rss_mb")
    return results


def repetitions(workload: Workload, options) -> int:
    """Timed repetitions of ``workload``: ``--repeat`` when given, else its own number."""
    return options.repeat if options.repeat is not None else workload.repeat


def check_agreement(workload: Workload, results: dict, reference: str = "numpy") -> dict:
    """Every run of every implementation (warm-up included) must reach the reference's
    final loss, and its ``checks``, within the workload's tolerances.

    Returns ``{"ok", "by_implementation": {name: ok}, "failures": [sentence, ...], ...}``.
    """
    failures: dict[str, list[str]] = {name: [] for name in results}
    ref_runs = results[reference].runs if reference in results else []
    if not ref_runs:
        why = results[reference].error if reference in results else "it was not run"
        for name in results:
            failures[name].append(f"no {reference} result to compare with: {why}")
        ref = None
    else:
        ref = ref_runs[0]
    worst = 0.0
    for name, result in results.items():
        if result.error:
            failures[name].append(f"{name} failed: {result.error.strip().splitlines()[-1]}")
            continue
        for i, run in enumerate(result.runs if ref else []):
            pairs = [("loss", run["loss"], ref["loss"], workload.rtol)]
            for key, value in run.get("checks", {}).items():
                pairs.append((key, value, ref["checks"][key], workload.checks_rtol))
            for key, value, expected, rtol in pairs:
                diff = abs(value - expected)
                if expected:
                    worst = max(worst, diff / abs(expected))
                if not diff <= rtol * abs(expected) + workload.atol:  # also catches NaN
                    which = "warm-up" if i == 0 else f"repetition {i}"
                    failures[name].append(
                        f"{name} {key} {value:.7g} != {reference} {expected:.7g} "
                        f"(rtol {rtol:g}, {which})"
                    )
    return {
        "ok": not any(failures.values()),
        "by_implementation": {name: not found for name, found in failures.items()},
        "reference": reference,
        "rtol": workload.rtol,
        "checks_rtol": workload.checks_rtol,
        "atol": workload.atol,
        "max_rel_diff": worst,
        "values": {name: r.runs[0] for name, r in results.items() if r.runs},
        "failures": [sentence for found in failures.values() for sentence in found],
    }
