"""The seed tutorial's own code runs unchanged on chainrule and gives the same results.

``tests/data/backprop_from_scratch.txt`` is a verbatim copy of the notebook chainrule grew
from. Its code cells run twice in fresh interpreters: as written (the tutorial's own Tensor
class) and with the ``class Tensor`` cell replaced by ``from chainrule import Tensor``. The
tutorial's run is the oracle for the chainrule run. Below that, each spelling the tutorial
relies on gets a focused test, followed by the tutorial's three checks and a regression test
for its gradient-aliasing bug.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import Tensor

TUTORIAL = Path(__file__).parent / "data" / "backprop_from_scratch.txt"
CELL_MARKER = "In [None]:"
N_CODE_CELLS = 12
PRINTED_EPOCHS = list(range(200, 2001, 200))
# What the tutorial's own run prints (Part 5), four of its ten progress lines.
TUTORIAL_PRINTED = {200: 0.249160, 800: 0.135110, 1000: 0.043413, 2000: 0.003152}
# The notebook's check mark went through one bad round trip (UTF-8 bytes read as cp1252):
# its prints say "âœ“" where "✓" was meant. The copy is verbatim, so the tests expect that.
CHECK = "✓".encode().decode("cp1252")


# ---------------------------------------------------------------------------- the notebook
def tutorial_cells() -> list[str]:
    """The notebook's code cells, in order.

    In this plain-text export a code cell starts on the line after ``In [None]:``. It ends at
    the next marker or where a Markdown cell begins: a blank line followed by a ``##``-level
    heading. (The code's own comments use a single ``#``, and a level-1 heading only opens
    the notebook, before any code.) Every cell must compile, so a split in the wrong place
    fails loudly here rather than as a confusing error while running the cells.
    """
    text = TUTORIAL.read_text(encoding="utf-8")
    chunks = re.split(rf"^{re.escape(CELL_MARKER)}[ \t]*\n", text, flags=re.MULTILINE)[1:]
    cells = []
    for i, chunk in enumerate(chunks):
        code = re.split(r"\n[ \t]*\n(?=#{2,6} )", chunk, maxsplit=1)[0].strip("\n")
        compile(code, f"<tutorial cell {i}>", "exec")
        cells.append(code)
    return cells


def tutorial_cell(first_line: str) -> str:
    (cell,) = [c for c in tutorial_cells() if c.startswith(first_line)]
    return cell


def tutorial_tensor_class() -> type:
    """The tutorial's own Tensor class, executed from its cell."""
    namespace = {"np": np}
    exec(compile(tutorial_cell("class Tensor:"), "<tutorial Tensor cell>", "exec"), namespace)
    return namespace["Tensor"]


def test_notebook_split_finds_every_code_cell():
    cells = tutorial_cells()
    assert len(cells) == N_CODE_CELLS
    firsts = [c.splitlines()[0] for c in cells]
    assert firsts[0] == "import numpy as np"
    assert firsts[1] == "class Tensor:"
    assert "class NeuralNetwork:" in firsts
    assert firsts[-2] == "import torch"
    assert firsts[-1] == "# Compare results"
    # no Markdown leaked into the code, and no code was cut off at a blank line
    assert not any(re.search(r"^#{2,6} ", c, flags=re.MULTILINE) for c in cells)
    assert cells[-1].endswith(
        f'print("\\n{CHECK} Both implementations converge to similar solutions!")'
    )


# ---------------------------------------------------------------------------- the two runs
# Runs in a fresh interpreter: every cell in one namespace, then a JSON summary.
DRIVER = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")  # before the first cell imports pyplot; plt.show() is then a no-op
import matplotlib.pyplot as plt
import numpy as np

with open(sys.argv[1], encoding="utf-8") as f:
    cells = json.load(f)
ns = {"__name__": "__main__"}
for i, code in enumerate(cells):
    exec(compile(code, f"<tutorial cell {i}>", "exec"), ns)

n_params = ns["model"].count_parameters()
summary = {
    "cells_run": len(cells),
    "loss_history": [float(v) for v in ns["loss_history"]],
    "loss_history_types": sorted({type(v).__name__ for v in ns["loss_history"]}),
    "predictions": np.asarray(ns["y_pred_final"].data, dtype=np.float64).tolist(),
    "accuracy": float(ns["accuracy"]),
    "n_params": n_params,
    "n_params_type": type(n_params).__name__,
    "pytorch_loss_history": [float(v) for v in ns["pytorch_loss_history"]],
    "figures": len(plt.get_fignums()),
}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(summary, f)
"""


def _environment() -> dict:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    # the child imports the same chainrule as this process, installed or not
    src = str(Path(chainrule.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Both variants, run concurrently: ``{"tutorial": (stdout, summary), "chainrule": ...}``."""
    cells = tutorial_cells()
    variants = {
        "tutorial": cells,
        "chainrule": [
            "from chainrule import Tensor" if c.startswith("class Tensor:") else c for c in cells
        ],
    }
    assert variants["chainrule"] != cells
    tmp = tmp_path_factory.mktemp("tutorial")
    procs = {}
    for name, variant_cells in variants.items():
        (tmp / f"{name}.json").write_text(json.dumps(variant_cells), encoding="utf-8")
        procs[name] = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(tmp / f"{name}.json"), str(tmp / f"{name}.out")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=_environment(),
            cwd=tmp,
        )
    results = {}
    try:
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=600)
            assert proc.returncode == 0, f"the {name} run failed:\n{stderr}"
            summary = json.loads((tmp / f"{name}.out").read_text(encoding="utf-8"))
            results[name] = (stdout, summary)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def _printed_training_losses(stdout: str) -> dict[int, float]:
    """Part 5's progress lines (Part 8 prints the same format for PyTorch: cut it off)."""
    ours = stdout.split("Training PyTorch model...")[0]
    found = re.findall(r"^Epoch (\d+)/2000, Loss: (\d+\.\d{6})$", ours, flags=re.MULTILINE)
    return {int(epoch): float(loss) for epoch, loss in found}


@pytest.mark.parametrize("variant", ["tutorial", "chainrule"])
def test_every_cell_runs(runs, variant):
    stdout, summary = runs[variant]
    assert summary["cells_run"] == N_CODE_CELLS
    assert f"{CHECK} Visualizations complete!" in stdout
    assert "PyTorch training complete!" in stdout
    assert "Both implementations converge to similar solutions!" in stdout
    # Part 7's two-panel figure and Part 8's comparison plot were both drawn
    assert summary["figures"] == 2


def test_tutorial_run_prints_its_documented_losses(runs):
    printed = _printed_training_losses(runs["tutorial"][0])
    assert sorted(printed) == PRINTED_EPOCHS
    for epoch, loss in TUTORIAL_PRINTED.items():
        assert printed[epoch] == loss


def test_printed_losses_agree(runs):
    ours = _printed_training_losses(runs["tutorial"][0])
    theirs = _printed_training_losses(runs["chainrule"][0])
    assert sorted(theirs) == PRINTED_EPOCHS
    for epoch in PRINTED_EPOCHS:
        # both are float32 runs printed to 6 decimals: a 1e-7 difference may round one unit
        # apart, so allow one printed unit plus float slack
        assert abs(ours[epoch] - theirs[epoch]) <= 1.5e-6, epoch


def test_loss_history_agrees(runs):
    ours = np.array(runs["tutorial"][1]["loss_history"])
    theirs = np.array(runs["chainrule"][1]["loss_history"])
    assert ours.shape == theirs.shape == (2000,)
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-6)
    # `loss.data.item()` gives Python floats in both
    assert runs["tutorial"][1]["loss_history_types"] == ["float"]
    assert runs["chainrule"][1]["loss_history_types"] == ["float"]


def test_final_predictions_and_accuracy_agree(runs):
    ours, theirs = runs["tutorial"][1], runs["chainrule"][1]
    np.testing.assert_allclose(theirs["predictions"], ours["predictions"], rtol=0, atol=1e-6)
    assert np.asarray(theirs["predictions"]).shape == (4, 1)
    assert ours["accuracy"] == theirs["accuracy"] == 1.0
    for stdout, _ in runs.values():
        assert "Accuracy: 100.0%" in stdout
        assert stdout.count(f"| {CHECK}") == 4


def test_count_parameters_is_the_int_17(runs):
    for _, summary in runs.values():
        assert summary["n_params"] == 17
        assert summary["n_params_type"] == "int"
    for stdout, _ in runs.values():
        assert "Network architecture: 2 -> 4 -> 1\nTotal parameters: 17\n" in stdout


def test_part8_pytorch_run_is_unaffected(runs):
    # Part 8 trains its own torch model from torch.manual_seed(42): same curve in both runs
    ours = runs["tutorial"][1]["pytorch_loss_history"]
    theirs = runs["chainrule"][1]["pytorch_loss_history"]
    assert len(ours) == len(theirs) == 2000
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-6)


def test_tutorial_part2_prints_the_expected_gradients_on_chainrule(runs):
    stdout = runs["chainrule"][0]
    assert "dc/da = 4.0 (expected: b + 1 = 4.0)" in stdout
    assert "dc/db = 2.0 (expected: a = 2.0)" in stdout


# ---------------------------------------------------------------------------- the spellings
def test_data_update_changes_the_parameter():
    param = Tensor([1.0, -2.0], requires_grad=True)
    (param * param).sum().backward()  # d/dp sum(p^2) = 2p = [2, -4]
    param.data -= 0.25 * param.grad
    np.testing.assert_array_equal(param.detach().numpy(), np.float32([0.5, -1.0]))
    assert param.is_leaf and param.requires_grad and param.grad_fn is None
    assert param.dtype == chainrule.float32


def test_zero_grad_sets_grad_to_none():
    t = Tensor([1.0, 2.0], requires_grad=True)
    (t * 3).sum().backward()
    assert t.grad is not None
    t.zero_grad()
    assert t.grad is None


def test_loss_data_item_is_a_python_float():
    loss = (Tensor([[0.5], [1.5]], requires_grad=True) ** 2).mean()
    value = loss.data.item()
    assert type(value) is float
    assert value == 1.25


def test_format_spec_on_one_element_tensors():
    # the tutorial's `pred = y_pred_final.data[i, 0]` is 0-d
    pred = Tensor([[0.94581, 0.1]]).data[0, 0]
    assert f"{pred:.4f}" == "0.9458"
    assert f"{Tensor([[0.0570]]):.4f}" == "0.0570"
    assert f"{Tensor(0.0031523):.6f}" == "0.003152"


@pytest.mark.parametrize(("value", "rounded"), [(0.0599, 0.0), (0.9458, 1.0), (0.4, 0.0)])
def test_round_builtin(value, rounded):
    torch = pytest.importorskip("torch")
    t = round(Tensor(value))
    assert isinstance(t, Tensor)
    assert t.item() == rounded == torch.round(torch.tensor(value)).item()
    # the tutorial's use: `"✓" if round(pred) == true else "✗"` with a NumPy float target
    assert bool(round(Tensor(value)) == np.float64(rounded))
    assert not bool(round(Tensor(value)) == np.float64(1.0 - rounded))


def test_numpy_round_and_asarray_accept_tensors():
    pred = Tensor([[0.0599], [0.9458], [0.9469], [0.4]])
    y_data = np.array([[0.0], [1.0], [1.0], [1.0]])
    rounded = np.round(pred.data)
    np.testing.assert_array_equal(np.asarray(rounded), [[0.0], [1.0], [1.0], [0.0]])
    assert (rounded == y_data).mean() == 0.75  # the tutorial's accuracy expression
    arr = np.asarray(pred.data)
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32 and arr.shape == (4, 1)
    np.testing.assert_array_equal(arr, np.float32([[0.0599], [0.9458], [0.9469], [0.4]]))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def test_matplotlib_contourf_accepts_a_tensor():
    # Part 7 passes `grid_pred.data.reshape(xx.shape)`, a Tensor, as contourf's Z
    plt = _pyplot()
    xx, yy = np.meshgrid(np.linspace(-0.5, 1.5, 20), np.linspace(-0.5, 1.5, 20))
    z = (xx - 0.5) ** 2 - (yy - 0.5) ** 2
    fig, axes = plt.subplots(1, 2)
    try:
        from_tensor = axes[0].contourf(xx, yy, Tensor(z).data, levels=20)
        from_array = axes[1].contourf(xx, yy, z.astype(np.float32), levels=20)
        np.testing.assert_allclose(from_tensor.levels, from_array.levels)
        plt.colorbar(from_tensor, ax=axes[0])
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_matplotlib_plot_accepts_a_tensor():
    # plot() copies its data with copy.copy, which PyTorch tensors support
    plt = _pyplot()
    fig, ax = plt.subplots()
    try:
        (line,) = ax.plot(Tensor([1.0, 0.5, 0.25]))
        np.testing.assert_array_equal(line.get_ydata(), [1.0, 0.5, 0.25])
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_size_method_and_int_spellings():
    torch = pytest.importorskip("torch")
    t = Tensor(np.zeros((2, 3)))
    ref = torch.zeros(2, 3)
    assert tuple(t.size()) == tuple(ref.size()) == (2, 3)
    assert t.size(0) == ref.size(0) == 2
    assert t.size(-1) == ref.size(-1) == 3
    assert t.size == ref.numel() == 6  # NumPy's attribute: the element count, an int
    assert isinstance(t.size, int) and t.size + 1 == 7 and 2 * t.size == 12
    assert t.data.size == 6


def test_size_counts_the_tutorial_networks_parameters():
    # the tutorial's 2-4-1 network: W1 (2, 4), b1 (1, 4), W2 (4, 1), b2 (1, 1)
    shapes = [(2, 4), (1, 4), (4, 1), (1, 1)]
    params = [Tensor(np.zeros(s), requires_grad=True) for s in shapes]
    total = sum(p.data.size for p in params)  # count_parameters(), verbatim
    assert total == 17 and type(total) is int
    assert sum(p.size for p in params) == 17
    assert sum(p.numel() for p in params) == 17


# ---------------------------------------------------------------------------- the three checks
def test_check1_scalar_chain_rule():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(3.0, requires_grad=True)
    c = a * b + a
    assert c.item() == 8.0
    c.backward()
    assert a.grad.item() == 4.0  # dc/da = b + 1
    assert b.grad.item() == 2.0  # dc/db = a


def test_check2_matmul_gradients_by_hand():
    # Y = X @ W and L = mean(Y) = (1/4) sum_ij Y_ij, so dL/dY = G = 1/4 in every entry.
    #   dL/dX = G @ W.T: entry (i, k) = sum_j (1/4) * W[k, j] = 2 * (1/4) * 0.5 = 0.25
    #   dL/dW = X.T @ G: entry (k, j) = (1/4) * sum_i X[i, k], the column sums of X over 4:
    #           column 0: (1 + 3) / 4 = 1.0,  column 1: (2 + 4) / 4 = 1.5
    # Forward: Y = [[1.5, 1.5], [3.5, 3.5]] (each row sum times 0.5), L = 10 / 4 = 2.5.
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = Tensor([[0.5, 0.5], [0.5, 0.5]], requires_grad=True)
    y = x @ w
    loss = y.mean()
    np.testing.assert_array_equal(y.detach().numpy(), [[1.5, 1.5], [3.5, 3.5]])
    assert loss.item() == 2.5
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.25, 0.25], [0.25, 0.25]])
    np.testing.assert_array_equal(w.grad.numpy(), [[1.0, 1.0], [1.5, 1.5]])


def test_check3_sigmoid_gradient_is_s_times_one_minus_s():
    xs = [0.0, 1.0, -1.0, 2.0]
    x = Tensor(xs, requires_grad=True)
    y = x.sigmoid()
    y.sum().backward()
    s = np.array([1.0 / (1.0 + math.exp(-v)) for v in xs])  # by hand, in float64
    np.testing.assert_allclose(y.detach().numpy(), s, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), s * (1.0 - s), rtol=1e-6)
    assert x.grad.numpy()[0] == 0.25  # s(0) = 1/2 exactly


# ---------------------------------------------------------------------------- aliasing bug
def _diamond(tensor_class):
    """Leaves a, b; c = a + b; d = c + a. By hand: dd/da = 2, dd/db = 1."""
    a = tensor_class([1.0, 2.0], requires_grad=True)
    b = tensor_class([3.0, 4.0], requires_grad=True)
    c = a + b
    d = c + a
    d.sum().backward()
    return a, b


def test_gradients_do_not_alias_the_upstream_gradient():
    """Regression test for the tutorial's aliasing bug.

    The tutorial stores a leaf's first gradient as the upstream array itself
    (``self.grad = grad``) and later adds into it in place (``self.grad += grad``). In
    ``d = c + a`` both ``c.grad`` and ``a.grad`` become d's gradient array; when c's backward
    then adds c's contribution into ``a.grad`` it also changes ``c.grad``, so b (whose grad
    is c's) receives 2 instead of 1. The tutorial's class, run here, shows it; chainrule
    must give the hand-computed answer.
    """
    tutorial_a, tutorial_b = _diamond(tutorial_tensor_class())
    np.testing.assert_array_equal(tutorial_a.grad, [2.0, 2.0])
    np.testing.assert_array_equal(tutorial_b.grad, [2.0, 2.0])  # wrong: the bug, detected

    a, b = _diamond(Tensor)
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_tutorial_check1_is_itself_hit_by_the_aliasing_bug():
    # c = a*b + a: the tutorial prints dc/db = 8.0 while it expects a = 2.0; chainrule gives 2
    tutorial_tensor = tutorial_tensor_class()
    results = {}
    for name, cls in [("tutorial", tutorial_tensor), ("chainrule", Tensor)]:
        a, b = cls(2.0, requires_grad=True), cls(3.0, requires_grad=True)
        (a * b + a).backward()
        results[name] = (float(a.grad), float(b.grad))
    assert results["tutorial"] == (4.0, 8.0)
    assert results["chainrule"] == (4.0, 2.0)


@pytest.mark.parametrize("mutate", ["data", "asarray"])
@pytest.mark.parametrize("graph", ["sum", "diamond"])
def test_leaf_grads_do_not_share_memory(graph, mutate):
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    c = a + b  # Add passes the same gradient to both inputs
    (c + a if graph == "diamond" else c).sum().backward()
    expected_a = [2.0, 2.0] if graph == "diamond" else [1.0, 1.0]
    if mutate == "data":
        a.grad.data += 1
    else:
        g = np.asarray(a.grad)
        g += 1
    np.testing.assert_array_equal(a.grad.numpy(), np.add(expected_a, 1))  # it did change
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])  # and b's did not
