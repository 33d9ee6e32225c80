"""``chainrule xor`` end to end: the tutorial's printout, the figures, the PyTorch check.

Each run is a subprocess in a fresh folder, as a user would run it. Expected numbers come
from the tutorial's own printed output, from PyTorch, or from hand maths.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.cli.xor import TOLERANCE, TorchComparison, build_xor_model

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What the tutorial's own code prints for seed 42 (Part 5), four of its ten progress lines.
TUTORIAL_PRINTED = {200: "0.249160", 800: "0.135110", 1000: "0.043413", 2000: "0.003152"}
# The figures are 12 x 4.8 inches (two panels) and 16 x 4.8 (three) at 100 dpi.
TWO_PANELS, THREE_PANELS = (1200, 480), (1600, 480)


def run_xor(tmp_path: Path, *args: str, pythonpath: list[Path] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", MPLBACKEND="Agg", CHAINRULE_NO_PROGRESS="1")
    src = str(Path(chainrule.__file__).resolve().parents[1])  # the chainrule under test
    paths = [*map(str, pythonpath), src, env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return subprocess.run(
        [sys.executable, "-m", "chainrule", "xor", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def reported(out: str, what: str) -> float:
    """The number after ``what`` in the comparison section, e.g. 'Max |loss difference|'."""
    match = re.search(rf"^{re.escape(what)}[^:]*: ([0-9.e+-]+)$", out, flags=re.MULTILINE)
    assert match, f"no {what!r} line in:\n{out}"
    return float(match.group(1))


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("matplotlib")
    tmp = tmp_path_factory.mktemp("xor-default")
    result = run_xor(tmp)
    assert result.returncode == 0, result.stderr
    return tmp, result.stdout


# ---------------------------------------------------------------------------- default run
def test_default_run_prints_the_tutorials_numbers(default_run):
    _, out = default_run
    lines = out.splitlines()
    assert lines[:2] == ["Network architecture: 2 -> 4 -> 1", "Total parameters: 17"]
    for epoch, loss in TUTORIAL_PRINTED.items():
        assert f"Epoch {epoch}/2000, Loss: {loss}" in lines
    assert sum(line.startswith("Epoch ") for line in lines) == 10
    assert out.count("| ✓") == 4 and "✗" not in out
    assert "Accuracy: 100.0%" in lines
    assert "Final loss: 0.003152" in lines
    assert "Setup:" not in out  # the tutorial's setup needs no description


def test_default_run_agrees_with_pytorch(default_run):
    _, out = default_run
    assert "Comparison with PyTorch (same initial weights, data and optimizer):" in out
    loss_difference = reported(out, "Max |loss difference| over 2000 epochs")
    parameter_difference = reported(out, "Max |parameter difference|")
    assert 0 <= loss_difference < 1e-4
    assert 0 <= parameter_difference < 1e-4
    assert "PyTorch final loss:   0.003152" in out
    assert "✓ chainrule and PyTorch agree" in out


def test_default_run_writes_both_figures(default_run):
    folder, out = default_run
    out_dir = folder / "chainrule-out"
    assert sorted(p.name for p in out_dir.iterdir()) == ["xor.png", "xor_vs_torch.png"]
    assert png_size(out_dir / "xor.png") == TWO_PANELS
    assert png_size(out_dir / "xor_vs_torch.png") == TWO_PANELS
    written = out.split("Figures written:\n")[1].split()
    assert written == [str(Path("chainrule-out") / n) for n in ("xor.png", "xor_vs_torch.png")]


# ------------------------------------------------------------------------------- options
@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_format_option(tmp_path, fmt, magic):
    pytest.importorskip("matplotlib")
    result = run_xor(tmp_path, "--epochs", "20", "--format", fmt, "--no-compare-torch")
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "chainrule-out").iterdir())
    assert files == [f"xor.{fmt}"]
    data = (tmp_path / "chainrule-out" / f"xor.{fmt}").read_bytes()
    assert data.startswith(magic)
    if fmt == "svg":
        assert b'width="864pt" height="345.6pt"' in data  # 12 x 4.8 inches at 72 pt/inch


def test_no_plot_writes_nothing(tmp_path):
    result = run_xor(tmp_path, "--epochs", "20", "--no-plot", "--no-compare-torch")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert "Figures written" not in result.stdout
    assert "Comparison with PyTorch" not in result.stdout


def test_out_option_and_grad_flow(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("matplotlib")
    args = ["--epochs", "100", "--grad-flow", "--out", "figs/xor", "--no-compare-torch"]
    result = run_xor(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "figs" / "xor"
    assert sorted(p.name for p in folder.iterdir()) == ["xor.png", "xor_grad_flow.png"]
    assert png_size(folder / "xor_grad_flow.png") == THREE_PANELS
    assert not (tmp_path / "chainrule-out").exists()

    # the printed first-epoch gradient norms, against PyTorch from the tutorial's weights
    printed = dict(re.findall(r"^(fc[12]\.\w+) +([0-9.e+-]+) -> ", result.stdout, re.MULTILINE))
    assert list(printed) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    rng = np.random.RandomState(42)
    w1 = torch.tensor((rng.randn(2, 4) * np.sqrt(1 / 2)).astype(np.float32), requires_grad=True)
    w2 = torch.tensor((rng.randn(4, 1) * np.sqrt(1 / 4)).astype(np.float32), requires_grad=True)
    b1 = torch.zeros(1, 4, requires_grad=True)
    b2 = torch.zeros(1, 1, requires_grad=True)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    out = torch.sigmoid(torch.sigmoid(x @ w1 + b1) @ w2 + b2)
    ((out - y) ** 2).mean().backward()
    expected = {"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}
    for name, param in expected.items():
        assert float(printed[name]) == pytest.approx(param.grad.norm().item(), rel=1e-3), name


def test_relu_and_adam_converge_and_match_pytorch(tmp_path):
    pytest.importorskip("torch")
    args = ["--activation", "relu", "--optimizer", "adam", "--hidden", "8", "--epochs", "500"]
    result = run_xor(tmp_path, *args, "--no-plot", "--compare-torch")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Network architecture: 2 -> 8 -> 1" in out
    assert "Setup: relu hidden layer, Adam (lr 0.05), tutorial init (seed 42)" in out
    assert "Accuracy: 100.0%" in out and "✗" not in out
    assert float(re.search(r"^Final loss: (\S+)$", out, re.MULTILINE).group(1)) < 0.01
    assert reported(out, "Max |loss difference| over 500 epochs") < 1e-4


def test_init_torch_and_tanh_run(tmp_path):
    args = ["--init", "torch", "--activation", "tanh", "--lr", "0.5", "--seed", "3"]
    result = run_xor(tmp_path, *args, "--epochs", "300", "--no-plot", "--no-compare-torch")
    assert result.returncode == 0, result.stderr
    assert "Setup: tanh hidden layer, SGD (lr 0.5), torch init (seed 3)" in result.stdout


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--epochs", "0"], "--epochs"),
        (["--activation", "foo"], "--activation"),
        (["--optimizer", "rmsprop"], "--optimizer"),
        (["--init", "xavier"], "--init"),
        (["--format", "gif"], "--format"),
        (["--lr", "-1"], "--lr"),
        (["--seed", "-1"], "--seed"),
        (["--hidden", "two"], "--hidden"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path, args, mentions):
    result = run_xor(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: chainrule xor")
    assert f"error: argument {mentions}" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ missing optional extras
def _hide(tmp_path: Path, package: str) -> Path:
    """A folder whose ``package`` fails to import, shadowing the installed one."""
    fake = tmp_path / "hidden"
    fake.mkdir(exist_ok=True)
    (fake / f"{package}.py").write_text(f"raise ImportError('{package} hidden by the test')\n")
    return fake


def test_missing_torch_with_compare_torch_is_a_usage_error(tmp_path):
    result = run_xor(tmp_path, "--compare-torch", pythonpath=[_hide(tmp_path, "torch")])
    assert result.returncode == 2
    assert result.stderr.startswith("usage: chainrule xor")
    assert "'torch'" in result.stderr and 'pip install "chainrule[compare]"' in result.stderr
    assert result.stdout == ""  # refused before training


def test_missing_torch_without_the_flag_skips_the_comparison(tmp_path):
    hidden = _hide(tmp_path, "torch")
    result = run_xor(tmp_path, "--epochs", "20", "--no-plot", pythonpath=[hidden])
    assert result.returncode == 0, result.stderr
    assert "Accuracy:" in result.stdout and "Comparison with PyTorch" not in result.stdout


def test_missing_matplotlib_still_trains_and_says_so(tmp_path):
    hidden = _hide(tmp_path, "matplotlib")
    result = run_xor(tmp_path, "--epochs", "20", "--no-compare-torch", pythonpath=[hidden])
    assert result.returncode == 0, result.stderr
    assert 'pip install "chainrule[plot]"' in result.stderr
    assert not (tmp_path / "chainrule-out").exists()


# ------------------------------------------------------------------------------ in-process
def test_tutorial_init_is_the_tutorials_weights_transposed():
    state = np.random.get_state()
    try:
        np.random.seed(42)  # the tutorial's own draw, on NumPy's global stream
        w1 = np.random.randn(2, 4) * np.sqrt(1.0 / 2)
        w2 = np.random.randn(4, 1) * np.sqrt(1.0 / 4)
    finally:
        np.random.set_state(state)
    model = build_xor_model()
    params = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    assert list(params) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    np.testing.assert_array_equal(params["fc1.weight"], w1.astype(np.float32).T)
    np.testing.assert_array_equal(params["fc2.weight"], w2.astype(np.float32).T)
    np.testing.assert_array_equal(params["fc1.bias"], np.zeros(4, np.float32))
    np.testing.assert_array_equal(params["fc2.bias"], np.zeros(1, np.float32))


def test_torch_init_is_pytorchs_uniform_and_seeded():
    first = build_xor_model(hidden=64, init="torch", seed=1).fc1.weight.detach().numpy()
    again = build_xor_model(hidden=64, init="torch", seed=1).fc1.weight.detach().numpy()
    other = build_xor_model(hidden=64, init="torch", seed=2).fc1.weight.detach().numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    bound = 1 / np.sqrt(2)  # PyTorch's Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(first).max() <= bound and np.abs(first).max() > 0.8 * bound
    with pytest.raises(ValueError, match="init"):
        build_xor_model(init="xavier")


@pytest.mark.parametrize(
    ("loss", "parameters", "scale", "agrees"),
    [
        (1e-7, 6e-6, 5.0, True),
        (2e-4, 1e-6, 1.0, False),  # the loss curves part
        (1e-7, 2e-4, 0.5, False),  # small parameters: an absolute 2e-4 is too much
        (1e-7, 2e-4, 4.0, True),  # large parameters: relative 5e-5 is float32 rounding
    ],
)
def test_comparison_tolerance(loss, parameters, scale, agrees):
    assert TOLERANCE == 1e-4
    assert TorchComparison(np.zeros(1), loss, parameters, scale).agrees is agrees
