"""Random programs as data: the generator, the interpreter (run once per library), the text.

A ``Program`` is a list of steps: a ``Leaf`` (an input array, float32 or float64, that may
require grad) or an ``Instr`` (an op from ``ops.MENU`` applied to earlier steps, maybe under
``no_grad``). The value of step ``k`` is printed ``x{k}`` for a leaf and ``v{k}`` otherwise.
After the steps, ``loss = sum((v * w).sum() for v, w in outputs)`` is backpropagated.

The generator builds a program one instruction at a time while running it on PyTorch (the
shape, dtype and domain oracle): an instruction PyTorch rejects is redrawn, except that a few
are kept on purpose as the program's last step, so that "both raise" is tested too; one whose
inputs are out of the op's domain or within a hair of a kink is redrawn (``ops.OpSpec.check``).
Everything is a function of the program's seed, so a failure is replayed from that one number.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .ops import GROUPS, MENU, OpSpec
from .shapes import broadcast_partner, fits, matmul_partner, new_shape, partner_ok

MAX_ABS = 1e4  # values beyond this are redrawn: they only measure float32 rounding

# Disagreements already reported, each with its regression test in tests/test_fuzz.py. The
# generator avoids them unless asked (``generate(..., known=True)``); delete an entry when
# its fix lands, so the fuzzer covers that ground again.
# Known chainrule disagreements the generator steers around (a key -> what and which
# regression test); empty while none is open. F1-F4 of FINDINGS.md were fixed and removed.
KNOWN: dict[str, str] = {}


def _known(spec, params, values, out, no_grad) -> str | None:
    """Which known disagreement (a key of KNOWN) this instruction would trigger, if any."""
    key = _known_kind(spec, params, values, out, no_grad)
    return key if key in KNOWN else None


def _known_kind(spec, params, values, out, no_grad) -> str | None:
    """The kind of past disagreement an instruction belongs to (see FINDINGS.md)."""
    if no_grad and out is not None and out.requires_grad:
        if out._is_view() or any(out is v for v in values):  # contiguous() returns self
            return "nograd_view"
    if spec.name == "cat":
        if any(tuple(v.shape) == (0,) for v in values):
            return "cat_empty"
    if spec.name in ("expand", "repeat") and not (params.get("sizes") or params.get("reps")):
        return "empty_sizes"
    if spec.name in ("maximum", "minimum") and not all(bool(v.isfinite().all()) for v in values):
        return "nan_minmax"
    return None


def _torch_quirk(spec, values, layouts, no_grad) -> bool:
    """PyTorch behaviour we do not ask chainrule to copy.

    matmul of mixed dtypes is an error, except that PyTorch skips the check when an operand
    is empty. Memory layout: whether ``view`` works, and whether ``contiguous`` returns its
    input itself (which decides ``requires_grad`` under ``no_grad``), depend on strides; the
    strides of a computed result are each library's own choice (PyTorch's TensorIterator,
    NumPy's order="K"), so these two only get inputs whose layout both must agree on
    (``layouts``: see ``_Generator.layout_known``).
    """
    if spec.name.startswith("matmul") and any(v.numel() == 0 for v in values):
        return values[0].dtype != values[1].dtype
    # reshape/flatten under no_grad likewise: a view of a tensor that requires grad requires
    # grad, a copy does not, and which one you get depends on the strides.
    if spec.name == "view" or (no_grad and spec.name in ("contiguous", "reshape", "flatten")):
        return not layouts[0]
    return False


@dataclass
class Leaf:
    data: np.ndarray
    requires_grad: bool


@dataclass
class Instr:
    op: str
    args: tuple
    params: dict
    no_grad: bool = False


@dataclass
class Program:
    seed: int
    steps: list = field(default_factory=list)
    outputs: list = field(default_factory=list)  # step indices that enter the loss
    weights: list = field(default_factory=list)  # one array per output


# --- generation ---------------------------------------------------------------------------
class _Generator:
    """Builds one program while running it on PyTorch (``self.shadow`` holds the values)."""

    def __init__(self, seed: int, known: bool = False):
        self.known = known
        self.has_minmax = False
        self.layout_known: list = []  # per value: chainrule's strides surely match PyTorch's
        self.nonfinite = False
        self.rng = np.random.default_rng(seed)
        self.program = Program(seed)
        self.shadow: list = []
        mix = self.rng.random()
        self.p64 = 0.0 if mix < 0.2 else 1.0 if mix < 0.35 else 0.5  # share of float64 leaves
        groups, weights = zip(*GROUPS)
        self.groups = groups
        self.group_p = np.array(weights) / sum(weights)

    # leaves are created tentatively: an instruction that is redrawn takes its leaves back
    def leaf(self, shape, pending) -> int:
        rng = self.rng
        dtype = np.float64 if rng.random() < self.p64 else np.float32
        data = rng.uniform(-2, 2, shape).astype(dtype)
        leaf = Leaf(data, bool(rng.random() < 0.85))
        t = torch.tensor(data.copy(), requires_grad=leaf.requires_grad)
        pending.append((leaf, t))
        return len(self.shadow) + len(pending) - 1

    def pick(self) -> int:
        n = len(self.shadow)
        if self.rng.random() < 0.55:
            return n - 1
        return int(self.rng.integers(n))

    def _layout(self, k, pending):
        return self.layout_known[k] if k < len(self.layout_known) else True  # a new leaf

    def _value(self, k, pending):
        return self.shadow[k] if k < len(self.shadow) else pending[k - len(self.shadow)][1]

    def partners(self, spec: OpSpec, a: int, params, bad, pending) -> list | None:
        shape = tuple(self.shadow[a].shape)
        rng = self.rng
        count = {2: 1, 3: 2}.get(spec.arity, (params or {}).get("n", 2) - 1)
        out = []
        for _ in range(count):
            if spec.partner == "broadcast":
                want = broadcast_partner(rng, shape, bad)
            elif spec.partner == "matmul":
                want = matmul_partner(rng, shape, bad)
                if want is None:
                    return None
            else:  # same shape (stack), or same except the cat dim
                want = list(shape)
                if spec.partner == "cat":
                    want[params["dim"]] = int(rng.integers(1, 4))
                if bad and want:
                    want[int(rng.integers(len(want)))] += 1
                want = tuple(want)
            if not bad and rng.random() < 0.5:
                dim = (params or {}).get("dim")
                found = [
                    k
                    for k, v in enumerate(self.shadow)
                    if partner_ok(spec.partner, shape, tuple(v.shape), want, dim)
                ]
                if found:
                    out.append(int(rng.choice(found)))
                    continue
            if not fits(want):
                return None
            out.append(self.leaf(want, pending))
        return out

    def step(self, bad: bool) -> str:
        """Try to add one instruction: 'ok', 'retry', or 'error' (kept as the last step)."""
        rng = self.rng
        group = self.groups[int(rng.choice(len(self.groups), p=self.group_p))]
        spec = group[int(rng.integers(len(group)))]
        a = self.pick()
        shape = tuple(self.shadow[a].shape)
        try:  # a drawer may not cope with a size-0 dim: draw another op
            params = spec.params(rng, [shape]) if spec.params else {}
        except ValueError:
            return "retry"
        if params is None:
            return "retry"
        pending: list = []
        args = [a]
        if spec.arity != 1:
            others = self.partners(spec, a, params, bad, pending)
            if others is None:
                return "retry"
            swap = spec.partner == "broadcast" and rng.random() < 0.3  # the partner first
            args = [*others, a] if swap else [a, *others]
        no_grad = bool(rng.random() < 0.1)
        values = [self._value(k, pending) for k in args]
        layouts = [self._layout(k, pending) for k in args]
        if _torch_quirk(spec, values, layouts, no_grad) or (
            not self.known and _known(spec, params, values, None, no_grad)
        ):
            return "retry"
        try:
            with (
                torch.no_grad() if no_grad else contextlib.nullcontext(),
                warnings.catch_warnings(),
            ):
                warnings.simplefilter("ignore")
                out = spec.fn(torch, *values, **params)
        except Exception:
            if not (bad or rng.random() < 0.2):
                return "retry"
            self._commit(pending, Instr(spec.name, tuple(args), params, no_grad), None)
            return "error"
        if not isinstance(out, torch.Tensor) or not out.is_floating_point():
            return "retry"
        if not self.known and _known(spec, params, values, out, no_grad):
            return "retry"
        arrays = [v.detach().numpy() for v in values]
        o = out.detach().numpy()
        if not fits(o.shape) or (spec.check and not spec.check(arrays, params, o)):
            return "retry"
        finite = np.isfinite(o).all()
        if o.size and finite and np.abs(o).max() > MAX_ABS:
            return "retry"
        avoid_minmax = "nan_minmax" in KNOWN and not self.known
        if not finite and (rng.random() < 0.9 or (self.has_minmax and avoid_minmax)):
            return "retry"
        if spec.name in ("maximum", "minimum") and avoid_minmax:
            if self.nonfinite:  # a NaN anywhere may reach its gradient: KNOWN["nan_minmax"]
                return "retry"
            self.has_minmax = True  # and from now on no NaN/inf at all
        self.nonfinite = self.nonfinite or not finite
        # A view's layout is NumPy's too; any other result's only when its inputs were
        # C-ordered (then both libraries return C order).
        known = all(layouts) and (
            out._is_view() or all(v.is_contiguous() for v in values) or out is values[0]
        )
        self._commit(pending, Instr(spec.name, tuple(args), params, no_grad), out, known)
        return "ok"

    def _commit(self, pending, instr, out, layout_known=True):
        for leaf, t in pending:
            self.program.steps.append(leaf)
            self.shadow.append(t)
            self.layout_known.append(True)
        self.program.steps.append(instr)
        self.shadow.append(out)
        self.layout_known.append(layout_known)

    def run(self, min_ops: int, max_ops: int) -> Program:
        rng = self.rng
        for _ in range(1 + int(rng.random() < 0.4)):
            pending: list = []
            self.leaf(new_shape(rng), pending)
            for leaf, t in pending:
                self.program.steps.append(leaf)
                self.shadow.append(t)
                self.layout_known.append(True)
        n_ops = int(rng.integers(min_ops, max_ops + 1))
        done = tries = 0
        while done < n_ops and tries < 30 * n_ops:
            tries += 1
            status = self.step(bad=bool(rng.random() < 0.03))
            if status == "error":
                return self.program  # the last step raises: no loss
            done += status == "ok"
        self._choose_outputs()
        return self.program

    def _choose_outputs(self):
        rng, steps = self.rng, self.program.steps
        used = {k for s in steps if isinstance(s, Instr) for k in s.args}
        for k, s in enumerate(steps):
            t = self.shadow[k]
            if isinstance(s, Instr) and t.requires_grad and (k not in used or rng.random() < 0.2):
                self.program.outputs.append(k)
                w = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
                self.program.weights.append(w)


def generate(seed: int, min_ops: int = 3, max_ops: int = 20, known: bool = False) -> Program:
    """The random program of ``seed``: 3 to 20 instructions over float32/float64 leaves.

    ``known``: also draw instructions that trigger the disagreements listed in ``KNOWN``.
    """
    return _Generator(seed, known).run(min_ops, max_ops)


# --- interpretation -----------------------------------------------------------------------
@dataclass
class Run:
    """What one library made of a program."""

    values: list  # per step: (shape, dtype name, requires_grad, array) or None after an error
    error: tuple | None = None  # (step index, exception)
    backward_error: BaseException | None = None
    grads: list = field(default_factory=list)  # per leaf step: array or None
    warnings: list = field(default_factory=list)


def _snapshot(t) -> tuple:
    return (
        tuple(t.shape),
        str(t.dtype).split(".")[-1],
        bool(t.requires_grad),
        np.array(t.detach().numpy(), copy=True),
    )


def execute(program: Program, lib) -> Run:
    """Run ``program`` on ``lib`` (``chainrule`` or ``torch``), recording every value."""
    values, snaps = [], []
    run = Run(snaps)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k, s in enumerate(program.steps):
            if isinstance(s, Leaf):
                t = lib.tensor(s.data.copy(), requires_grad=s.requires_grad)
            else:
                spec = MENU[s.op]
                args = [values[i] for i in s.args]
                try:
                    with lib.no_grad() if s.no_grad else contextlib.nullcontext():
                        t = spec.fn(lib, *args, **s.params)
                except Exception as e:  # noqa: BLE001 - any error is compared with the oracle
                    run.error = (k, e)
                    break
            values.append(t)
            snaps.append(_snapshot(t))
        if run.error is None and program.outputs:
            try:
                loss = None
                for k, w in zip(program.outputs, program.weights):
                    term = (values[k] * lib.tensor(w.copy())).sum()
                    loss = term if loss is None else loss + term
                loss.backward()
            except Exception as e:  # noqa: BLE001
                run.backward_error = e
        for k, s in enumerate(program.steps[: len(values)]):
            if isinstance(s, Leaf):
                g = values[k].grad
                run.grads.append(None if g is None else np.array(g.numpy(), copy=True))
    run.warnings = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return run


# --- text ---------------------------------------------------------------------------------
def name(program: Program, k: int) -> str:
    return f"x{k}" if isinstance(program.steps[k], Leaf) else f"v{k}"


def instr_text(program: Program, s: Instr) -> str:
    names = [name(program, i) for i in s.args]
    reprs = {key: repr(v) for key, v in s.params.items()}
    return MENU[s.op].text.format(*names, xs=", ".join(names), **reprs)


def to_text(program: Program, data: bool = True) -> str:
    """The program as Python that runs on PyTorch (``import torch.nn.functional as F``)."""
    lines = [f"# fuzz program, seed {program.seed}: python -m tests.fuzz --replay {program.seed}"]
    for k, s in enumerate(program.steps):
        if isinstance(s, Leaf):
            dt = s.data.dtype.name
            rg = ", requires_grad=True" if s.requires_grad else ""
            if s.data.size == 0:
                lines.append(f"x{k} = torch.empty({s.data.shape}, dtype=torch.{dt}{rg})")
                continue
            arr = np.array2string(s.data, precision=4, separator=", ").replace("\n", "")
            if not data or s.data.size > 24:
                arr = f"<{s.data.shape} {dt}: see the seed>"
            lines.append(f"x{k} = torch.tensor({arr}, dtype=torch.{dt}{rg})")
        else:
            prefix = "with torch.no_grad(): " if s.no_grad else ""
            lines.append(f"{prefix}v{k} = {instr_text(program, s)}")
    if program.outputs:
        terms = [f"({name(program, k)} * w{k}).sum()" for k in program.outputs]
        lines.append("loss = " + " + ".join(terms) + "  # w: random weights of each shape")
        lines.append("loss.backward()")
    return "\n".join(lines)
