"""Run a program on both libraries and say where they disagree; shrink a failing program.

Agreement means: the same values at every step (shape, dtype, ``requires_grad``, numbers
within a tolerance that depends on whether float32 took part in computing them; NaN equals
NaN, inf equals inf of the same sign), the same leaf gradients (None where PyTorch has None),
and the same errors: where PyTorch raises, chainrule raises at the same step an exception of
the same built-in class or a subclass of it.
"""

from __future__ import annotations

import builtins
from dataclasses import replace

import numpy as np
import torch

import chainrule

from .programs import Instr, Leaf, Program, execute, generate, to_text

# (rtol, atol relative to the magnitude of the values that went into the computation)
TOL = {True: (2e-4, 2e-5), False: (1e-9, 1e-10)}  # key: float32 took part
GRAD_TOL = {True: (1e-3, 1e-4), False: (1e-7, 1e-8)}


def _builtin_class(exc: BaseException) -> type:
    """The first built-in exception class in the error's MRO (torch's own derive from them)."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls
    return Exception


def _close(c: np.ndarray, t: np.ndarray, rtol: float, atol: float, scale: float) -> str | None:
    c64, t64 = c.astype(np.float64), t.astype(np.float64)
    both_nan = np.isnan(c64) & np.isnan(t64)
    same_inf = np.isinf(t64) & (c64 == t64)
    with np.errstate(invalid="ignore"):
        err = np.abs(c64 - t64)
    bad = ~(both_nan | same_inf | (err <= atol * scale + rtol * np.abs(t64)))
    if not bad.any():
        return None
    i = np.flatnonzero(bad)[0]
    return f"values differ at flat index {i}: chainrule {c64.flat[i]!r}, torch {t64.flat[i]!r}"


def _magnitudes(program: Program, run) -> tuple[list, list]:
    """Per step: whether float32 took part in computing it, and the largest |value| involved."""
    f32, scale = [], []
    for k, s in enumerate(program.steps[: len(run.values)]):
        shape, dtype, _, arr = run.values[k]
        finite = arr[np.isfinite(arr)]
        mag = float(np.abs(finite).max()) if finite.size else 0.0
        if isinstance(s, Leaf):
            f32.append(dtype == "float32")
            scale.append(max(1.0, mag))
        else:
            f32.append(dtype == "float32" or any(f32[i] for i in s.args))
            scale.append(max([1.0, mag] + [scale[i] for i in s.args]))
    return f32, scale


def compare(program: Program) -> list[str]:
    """Every disagreement between chainrule and PyTorch on ``program`` (empty: they agree)."""
    t_run = execute(program, torch)
    c_run = execute(program, chainrule)
    problems = []
    if t_run.error or c_run.error:
        tk, te = t_run.error or (None, None)
        ck, ce = c_run.error or (None, None)
        if tk != ck:
            problems.append(
                f"error at different steps: chainrule at {ck} ({type(ce).__name__}: {ce}), "
                f"torch at {tk} ({type(te).__name__}: {te})"
            )
        elif not isinstance(ce, _builtin_class(te)):
            problems.append(
                f"step {ck}: chainrule raised {type(ce).__name__}: {ce}; "
                f"torch raised {type(te).__name__}: {te}"
            )
    f32, scale = _magnitudes(program, t_run)
    for k, (cv, tv) in enumerate(zip(c_run.values, t_run.values)):
        where = f"step {k} ({_step_name(program, k)})"
        if cv[:3] != tv[:3]:
            problems.append(
                f"{where}: chainrule shape/dtype/requires_grad {cv[:3]}, torch {tv[:3]}"
            )
            continue
        rtol, atol = TOL[f32[k]]
        msg = _close(cv[3], tv[3], rtol, atol, scale[k])
        if msg:
            problems.append(f"{where}: {msg}")
    if problems:
        return problems  # later differences (gradients) follow from the first ones
    te, ce = t_run.backward_error, c_run.backward_error
    if (te is None) != (ce is None) or (te is not None and not isinstance(ce, _builtin_class(te))):
        problems.append(f"backward: chainrule raised {ce!r}, torch raised {te!r}")
    any32 = any(f32)
    leaves = [k for k, s in enumerate(program.steps[: len(t_run.values)]) if isinstance(s, Leaf)]
    for k, cg, tg in zip(leaves, c_run.grads, t_run.grads):
        if (cg is None) != (tg is None):
            problems.append(f"x{k}.grad: chainrule {_desc(cg)}, torch {_desc(tg)}")
        elif tg is not None:
            if cg.shape != tg.shape or cg.dtype != tg.dtype:
                problems.append(f"x{k}.grad: chainrule {_desc(cg)}, torch {_desc(tg)}")
                continue
            rtol, atol = GRAD_TOL[any32]
            finite = tg[np.isfinite(tg)]
            g_scale = max(1.0, float(np.abs(finite).max()) if finite.size else 0.0)
            msg = _close(cg, tg, rtol, atol, g_scale)
            if msg:
                problems.append(f"x{k}.grad: {msg}")
    return problems


def _desc(a) -> str:
    return "None" if a is None else f"array {a.shape} {a.dtype}"


def _step_name(program: Program, k: int) -> str:
    s = program.steps[k]
    return "leaf" if isinstance(s, Leaf) else s.op


def check(seed: int) -> list[str]:
    return compare(generate(seed))


def failure_message(program: Program, problems: list[str]) -> str:
    return "\n".join(
        ["chainrule disagrees with PyTorch:", *("  " + p for p in problems), "", to_text(program)]
    )


# --- shrinking ----------------------------------------------------------------------------
def _slice(program: Program, keep_outputs: list[int], last: int | None = None) -> Program:
    """The sub-program that computes ``keep_outputs`` (or step ``last`` and what it needs)."""
    need = set(keep_outputs) | ({last} if last is not None else set())
    for k in range(len(program.steps) - 1, -1, -1):
        if k in need and isinstance(program.steps[k], Instr):
            need.update(program.steps[k].args)
    order = sorted(need)
    new_index = {old: new for new, old in enumerate(order)}
    steps = []
    for old in order:
        s = program.steps[old]
        if isinstance(s, Instr):
            s = replace(s, args=tuple(new_index[i] for i in s.args))
        steps.append(s)
    pairs = zip(program.outputs, program.weights)
    outs = [(new_index[k], w) for k, w in pairs if k in keep_outputs]
    return Program(program.seed, steps, [k for k, _ in outs], [w for _, w in outs])


def shrink(program: Program) -> Program:
    """A smaller program that still fails: the first failing step's ancestors, or the
    ancestors of a single loss term whose gradient alone disagrees."""
    if not compare(program):
        return program
    for k in range(len(program.steps)):
        sub = _slice(program, [], last=k)
        if compare(sub):
            return sub
    for k in program.outputs:
        sub = _slice(program, [k])
        if compare(sub):
            return sub
    return program
