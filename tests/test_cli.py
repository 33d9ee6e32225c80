"""``python -m chainrule xor`` replays the tutorial's run and prints the tutorial's numbers.

Every run happens in a fresh folder (the command writes figures to ./chainrule-out); the
figures and the PyTorch comparison are tested in test_cli_xor.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule
from chainrule.cli import main


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", MPLBACKEND="Agg", CHAINRULE_NO_PROGRESS="1")
    src = str(Path(chainrule.__file__).resolve().parents[1])  # the chainrule under test
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_xor_prints_the_tutorials_run(tmp_path):
    result = run_cli("xor", "--epochs", "2000", "--no-plot", "--no-compare-torch", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Network architecture: 2 -> 4 -> 1" in out
    assert "Total parameters: 17" in out
    # the values the tutorial's own code prints for this seed and init
    for line in [
        "Epoch 200/2000, Loss: 0.249160",
        "Epoch 800/2000, Loss: 0.135110",
        "Epoch 1000/2000, Loss: 0.043413",
        "Epoch 2000/2000, Loss: 0.003152",
    ]:
        assert line in out.splitlines()
    assert sum(line.startswith("Epoch ") for line in out.splitlines()) == 10
    assert "Input: [0. 1.] | Predicted: " in out
    assert out.count("| ✓") == 4 and "✗" not in out
    assert "Accuracy: 100.0%" in out
    assert "Final loss: 0.003152" in out


def test_quiet_prints_only_the_summary(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["xor", "--epochs", "200", "--quiet"]) == 0
    out = capsys.readouterr().out
    accuracy, final_loss = out.splitlines()
    assert accuracy.startswith("Accuracy: ") and accuracy.endswith("%")
    assert final_loss == "Final loss: 0.249160"  # the tutorial's loss at epoch 200


def test_hidden_size_changes_the_architecture(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["xor", "--epochs", "1", "--hidden", "8", "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "Network architecture: 2 -> 8 -> 1" in out
    assert "Total parameters: 33" in out  # 2*8 + 8 + 8*1 + 1


@pytest.mark.parametrize(
    "args",
    [["xor", "--bogus"], ["xor", "--epochs", "0"], ["xor", "--lr", "fast"], ["nosuchcommand"], []],
)
def test_bad_options_give_a_usage_error(args, tmp_path):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: chainrule")
    assert "error:" in result.stderr
    assert result.stdout == ""
