"""chainrule's side-by-side benchmark harness (issue 6): ``python -m benchmarks``.

Each workload runs as hand-written NumPy (the limit), chainrule and PyTorch eager (and, on
W1 and W5, the seed tutorial's own Tensor class), from identical initial weights, in
separate worker processes, interleaved; see ``harness`` for the timing protocol,
``workloads`` for what is timed and ``report`` for the columns. Only NumPy is imported
here.
"""
