"""One implementation of one workload, in a fresh process: ``python -m benchmarks._worker``.

The process imports only what its implementation needs (NumPy, plus chainrule or PyTorch),
so its peak resident set size is that implementation's memory cost. It reads one JSON
command per line on stdin and answers one JSON line:

- ``{"cmd": "run"}``: reset the peak-RSS mark, prepare the model from the workload's initial
  weights and run the garbage collector (untimed), time ``train()`` with
  ``time.perf_counter``, read the peak RSS, then ``finish`` (untimed: the evaluation's
  memory is not the training's); answers ``{"seconds", "peak_rss_mb", "loss", ...}`` or
  ``{"error": ...}``.
- ``{"cmd": "exit"}``: answers ``{"process_peak_rss_mb": ...}`` (the whole life of the
  process, evaluation included) and exits.

Anything the workload prints goes to stderr; stdout carries the answers only.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
import traceback


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    On Linux, ``VmHWM`` from ``/proc/self/status``: the high-water mark of this program's
    own address space. Not ``getrusage().ru_maxrss``: across ``exec`` Linux keeps the
    largest of the old and new address spaces' peaks, so a worker forked from the harness
    would report at least the harness's own size at the fork. Elsewhere ``ru_maxrss``
    (kibibytes; bytes on macOS), which then bears that caveat.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # reported in kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def reset_peak_rss() -> bool:
    """Lower the peak-RSS mark to the current RSS (Linux >= 4.0: ``clear_refs`` 5), so that
    the next reading covers only what ran since; False where that is not possible, and
    then each reading is the peak of the process so far."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload")
    parser.add_argument("implementation")
    parser.add_argument("data")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--torch-threads", type=int, default=None)
    args = parser.parse_args()

    # The answers get the real stdout; fd 1 then points at stderr, so that a print (or a C
    # library's output) from a workload cannot corrupt the protocol.
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def answer(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")

    try:
        import numpy as np

        from .workloads import BY_ID
        from .workloads._common import import_library

        lib = import_library(args.implementation)
        if lib is not None and args.implementation == "torch" and args.torch_threads:
            lib.set_num_threads(args.torch_threads)
        import_rss = peak_rss_mb()
        workload = BY_ID[args.workload]
        params = workload.params(args.quick)
        with np.load(args.data) as archive:
            data = {name: archive[name] for name in archive.files}
        prepare = workload.implementations[args.implementation]
    except Exception:
        answer({"error": traceback.format_exc()})
        return 1
    answer({"ready": True, "import_rss_mb": import_rss, "pid": os.getpid()})

    for line in sys.stdin:
        command = json.loads(line)["cmd"]
        if command == "exit":
            answer({"process_peak_rss_mb": peak_rss_mb()})
            return 0
        train = finish = out = None  # the previous run's model must not count in this one
        gc.collect()
        try:
            peak_was_reset = reset_peak_rss()
            train, finish = prepare(params, data)
            gc.collect()
            start = time.perf_counter()
            out = train()
            seconds = time.perf_counter() - start
            peak = peak_rss_mb()
            result = finish(out)
            result.update(seconds=seconds, peak_rss_mb=peak, peak_reset=peak_was_reset)
            answer(result)
        except Exception:
            answer({"error": traceback.format_exc()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
