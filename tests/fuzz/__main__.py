"""The long fuzzing campaign (``make fuzz``): ``python -m tests.fuzz --programs N --seed S``.

Runs the programs with seeds S, S+1, ..., S+N-1 and prints every disagreement, shrunk, with
its replay command; ``--replay SEED`` prints one program and what differs. ``--known`` also
draws the disagreements already on file (``programs.KNOWN``). Exits 1 if anything differed.
Add a line to ``tests/fuzz/FINDINGS.md`` for each campaign.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from .compare import compare, failure_message, shrink
from .programs import generate, to_text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--programs", type=int, default=10_000, help="how many programs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first program")
    parser.add_argument("--replay", type=int, help="print one program and its disagreements")
    parser.add_argument("--known", action="store_true", help="also draw known disagreements")
    parser.add_argument("--max-failures", type=int, default=20, help="stop after this many")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # PyTorch's UserWarnings on odd but legal programs

    if args.replay is not None:
        program = generate(args.replay, known=args.known)
        problems = compare(program)
        print(to_text(program))
        if problems:
            print(failure_message(shrink(program), problems))
        else:
            print("# chainrule and PyTorch agree")
        return 1 if problems else 0

    start = time.perf_counter()
    failures = steps = 0
    for seed in range(args.seed, args.seed + args.programs):
        program = generate(seed, known=args.known)
        steps += len(program.steps)
        problems = compare(program)
        if problems:
            failures += 1
            print(f"=== seed {seed}", failure_message(shrink(program), problems), sep="\n")
            sys.stdout.flush()
            if failures >= args.max_failures:
                break
        done = seed - args.seed + 1
        if done % 10_000 == 0:
            print(f"... {done} programs, {time.perf_counter() - start:.0f} s", flush=True)
    wall = time.perf_counter() - start
    print(
        f"fuzz: seeds {args.seed}..{seed} ({seed - args.seed + 1} programs, {steps} steps), "
        f"{failures} disagreeing, {wall:.0f} s{' (with known)' if args.known else ''}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
