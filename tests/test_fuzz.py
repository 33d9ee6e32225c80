"""Differential fuzzing against PyTorch (issue 7), and the regression tests it produced.

``test_random_programs_agree_with_pytorch`` runs a fixed budget of random programs (same
seeds every run: a red build means a change broke something). Every disagreement the fuzzer
ever found is below as a minimal program; the ones whose fix has not landed yet are marked
``xfail(strict=True)`` (remove the marker with the fix, and the matching ``KNOWN`` entry in
``tests/fuzz/programs.py``). The long campaign is ``make fuzz``; its log is
``tests/fuzz/FINDINGS.md``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from fuzz import compare, failure_message, generate, shrink, to_text
from fuzz.programs import Instr, Leaf, Program

BUDGET = 500  # programs per `make test` run (about 5 s)


@settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_random_programs_agree_with_pytorch(seed):
    program = generate(seed)
    problems = compare(program)
    assert not problems, failure_message(shrink(program), problems)


# --- the fuzzer itself: it must see a wrong gradient, a wrong value and a missing error ----
def _program(ops, data, requires_grad=True):
    """A hand-written program over one leaf: ``ops`` is [(op name, params), ...], a chain."""
    p = Program(seed=-1, steps=[Leaf(np.asarray(data), requires_grad)])
    for name, params in ops:
        p.steps.append(Instr(name, (len(p.steps) - 1,), params))
    last = p.steps[-1]
    p.outputs = [len(p.steps) - 1]
    shape = np.shape(data) if last.op != "sum" else ()
    p.weights = [np.full(shape, 0.5, dtype=np.asarray(data).dtype)]
    return p


def test_fuzzer_sees_a_wrong_gradient(monkeypatch):
    program = _program([("exp", {})], np.array([0.5, -1.0]))
    assert compare(program) == []
    exp = chainrule.ops.exponential.Exp
    monkeypatch.setattr(exp, "backward", staticmethod(lambda ctx, g: 2 * g))
    problems = compare(program)
    assert problems and problems[0].startswith("x0.grad: values differ")


def test_fuzzer_sees_a_wrong_value_and_a_missing_error(monkeypatch):
    program = _program([("tanh", {}), ("view", {"shape": (4,)})], np.ones((2, 3)))
    problems = compare(program)  # PyTorch cannot view 6 numbers as 4; chainrule neither
    assert problems == []
    monkeypatch.setattr(chainrule.Tensor, "tanh", lambda self: self.sigmoid())
    monkeypatch.setattr(chainrule.Tensor, "view", lambda self, *s: self.reshape(-1)[:4])
    problems = compare(program)
    assert any(p.startswith("step 1 (tanh): values differ") for p in problems)
    assert any(p.startswith("error at different steps") for p in problems)


def test_program_text_runs_on_pytorch_and_names_the_seed():
    """The failure message is Python: pasted into a script, it replays on PyTorch."""
    for seed in range(40):
        program = generate(seed, max_ops=8)
        if program.outputs and all(s.data.size <= 24 for s in program.steps if isinstance(s, Leaf)):
            break
    text = to_text(program)
    assert f"--replay {seed}" in text
    scope = {"torch": torch, "F": torch.nn.functional}
    scope.update({f"w{k}": torch.tensor(w) for k, w in zip(program.outputs, program.weights)})
    exec(text, scope)
    assert "loss" in scope


def test_generated_programs_cover_the_brief():
    """3 to 20 ops; both dtypes; no_grad, detach, views, broadcasting, DAG reuse; errors."""
    ops, flags = set(), set()
    for seed in range(300):
        p = generate(seed)
        instrs = [s for s in p.steps if isinstance(s, Instr)]
        assert 1 <= len(instrs) <= 20
        ops.update(s.op for s in instrs)
        dtypes = {s.data.dtype.name for s in p.steps if isinstance(s, Leaf)}
        flags.add("mixed" if len(dtypes) == 2 else dtypes.pop())
        flags.update("no_grad" for s in instrs if s.no_grad)
        uses = [a for s in instrs for a in s.args]
        flags.update("dag" for a in set(uses) if uses.count(a) > 1)
        flags.update("raises" for _ in [0] if not p.outputs)
    assert {"float32", "float64", "mixed", "no_grad", "dag", "raises"} <= flags
    assert {"detach", "view", "expand", "permute", "index", "matmul", "cat", "stack"} <= ops
    assert {"softmax", "log_softmax", "where", "clamp", "maximum", "sum", "amax"} <= ops


# --- regression tests: each a disagreement the fuzzer found, reduced by hand --------------
def _both(data, requires_grad=True):
    arr = np.asarray(data)
    return (
        chainrule.tensor(arr.copy(), requires_grad=requires_grad),
        torch.tensor(arr.copy(), requires_grad=requires_grad),
    )


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_gradient_of_the_loser_is_zero_even_for_nan(op):
    """Fuzz seed 316: sqrt(maximum(x0, x1)) with a negative maximum. PyTorch gives the input
    that lost exactly 0, even where the upstream gradient is NaN; chainrule gave NaN."""
    grads = []
    for lib, (a, b) in zip((chainrule, torch), zip(_both([1.8, -0.2]), _both([-0.5, -0.6]))):
        y = getattr(lib, op)(a, b) if op == "maximum" else -getattr(lib, op)(-a, -b)
        lib.sqrt(y).sum().backward()
        grads.append((a.grad.numpy().copy(), b.grad.numpy().copy()))
    (ca, cb), (ta, tb) = grads
    assert np.isnan(ta[1]) and tb.tolist() == [0.0, 0.0]  # the oracle, as described
    np.testing.assert_array_equal(ca, ta)
    np.testing.assert_array_equal(cb, tb)


@pytest.mark.parametrize("method", ["expand", "repeat"])
def test_expand_and_repeat_without_sizes_raise(method):
    """Fuzz seeds 69 and 917: on a 0-d tensor, PyTorch's ``x.expand()`` and ``x.repeat()``
    raise TypeError (a size argument is required); chainrule returned ``x``."""
    c, t = _both(1.5)
    with pytest.raises(TypeError):
        getattr(t, method)()
    with pytest.raises(TypeError, match=method):
        getattr(c, method)()


VIEWS = {
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "transpose": lambda x: x.transpose(0, 1),
    "index": lambda x: x[0],
    "view": lambda x: x.view(4),
    "chunk": lambda x: x.chunk(2, 0)[1],  # several outputs: another path in Function.apply
    "unbind": lambda x: x.unbind(0)[0],
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_view_made_under_no_grad_requires_grad(view):
    """Fuzz seeds 14, 49 (and unbind/chunk in many): in PyTorch a view taken under no_grad
    of a tensor that requires grad is a leaf with ``requires_grad=True`` (it still aliases a
    grad-requiring tensor); chainrule's was False, so every value computed from it
    disagreed."""
    results = []
    for lib, x in zip((chainrule, torch), _both(np.arange(4.0).reshape(4, 1) - 1.5)):
        with lib.no_grad():
            v = VIEWS[view](x)
        results.append((v.requires_grad, v.grad_fn is None, v.is_leaf))
    assert results[1] == (True, True, True)
    assert results[0] == results[1]


def test_cat_keeps_empty_inputs_in_the_graph():
    """Fuzz seeds 106751 and 102773: ``x[x > 0]`` with no positive element is empty (shape
    [0]) yet requires grad; PyTorch's cat skips its values but keeps it in the graph (the
    result requires grad, x.grad is zeros); chainrule's result did not require grad."""
    results = []
    for lib, x in zip((chainrule, torch), _both([-0.68, -0.97])):
        y = lib.cat([x[x > 0], lib.tensor([0.25])], dim=-1)
        rg = y.requires_grad
        if rg:
            (y * 2).sum().backward()
        results.append((rg, None if x.grad is None else x.grad.numpy().tolist()))
    assert results[1] == (True, [0.0, 0.0])
    assert results[0] == results[1]


def test_view_after_cat_of_transposed_tensors():
    """Fuzz seed 104266: ``torch.cat([x.t(), x.t()]).view(-1)`` works in PyTorch (cat's
    result is contiguous); chainrule's cat kept the transposed layout and view() raised."""
    out = []
    for lib, x in zip((chainrule, torch), _both(np.arange(6.0).reshape(2, 3))):
        y = lib.cat([x.t(), x.t() * 2])
        z = y.view(-1)
        (z * lib.arange(12.0, dtype=lib.float64)).sum().backward()
        out.append((y.is_contiguous(), z.detach().numpy(), x.grad.numpy()))
    assert out[1][0]
    assert out[0][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][2], out[1][2])


def test_reshape_that_copies_under_no_grad_does_not_require_grad():
    """Seed 712641 (after the F3 fix): reshape is a view op that may copy; PyTorch's copy
    made under no_grad does not require grad, its view does."""
    import torch

    import chainrule

    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    for lib in (chainrule, torch):
        x = lib.tensor(base, requires_grad=True)
        with lib.no_grad():
            copied = x.t().reshape(12)  # a transposed tensor cannot be viewed flat: a copy
            viewed = x.reshape(12)  # a contiguous one can: a view
        assert (copied.requires_grad, viewed.requires_grad) == (False, True), lib.__name__
