"""``chainrule moons`` end to end, in a subprocess."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

PROGRESS_LINE = re.compile(r"^Epoch +(\d+)/(\d+)  loss (\d+\.\d{4})  train acc (\d+\.\d)%$")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", CHAINRULE_NO_PROGRESS="1", MPLBACKEND="Agg")
    src = str(Path(chainrule.__file__).resolve().parents[1])  # the chainrule under test
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "chainrule", *args],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=cwd, timeout=300,
    )  # fmt: skip


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def accuracies(stdout: str) -> tuple[float, float]:
    *_, train, test = stdout.splitlines()
    train_match = re.fullmatch(r"Train accuracy: (\d+\.\d)%", train)
    test_match = re.fullmatch(r"Test accuracy: (\d+\.\d)%", test)
    assert train_match and test_match, stdout
    return float(train_match.group(1)), float(test_match.group(1))


def test_learns_the_two_moons_and_draws_the_boundary(tmp_path):
    result = run_cli("moons", "--epochs", "200", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "160 training and 40 test points" in out  # make_moons(200), 80/20 per moon
    assert "2 -> 16 -> 16 -> 2 (ReLU), 354 parameters" in out  # 48 + 272 + 34
    progress = [PROGRESS_LINE.match(line) for line in out.splitlines()]
    progress = [m.groups() for m in progress if m]
    assert [int(epoch) for epoch, *_ in progress] == list(range(20, 201, 20))
    first_loss, last_loss = float(progress[0][2]), float(progress[-1][2])
    assert first_loss > 0.1 > last_loss  # ln 2 = 0.69 at chance
    train, test = accuracies(out)
    assert train >= 98.0 and test >= 95.0
    assert "Figure: chainrule-out/moons.png" in out
    assert png_size(tmp_path / "chainrule-out/moons.png") == (1200, 480)  # 12 x 4.8 in


def test_a_network_without_training_is_at_chance(tmp_path):
    # one step from random weights: a test that would pass with any accuracy proves nothing
    result = run_cli("moons", "--epochs", "1", "--lr", "1e-6", "--no-plot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    _, test = accuracies(result.stdout)
    assert test < 80.0
    assert not (tmp_path / "chainrule-out").exists()  # --no-plot writes nothing


def test_options_change_the_data_the_network_and_the_figure(tmp_path):
    result = run_cli(
        "moons", "--hidden", "8", "--samples", "100", "--noise", "0.2", "--seed", "3",
        "--epochs", "50", "--format", "svg", "--out", "figs", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "80 training and 20 test points (noise 0.2, seed 3)" in result.stdout
    assert "2 -> 8 -> 8 -> 2 (ReLU), 114 parameters" in result.stdout  # 24 + 72 + 18
    svg = (tmp_path / "figs/moons.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg


def test_quiet_prints_only_the_accuracies(tmp_path):
    result = run_cli("moons", "--epochs", "20", "--quiet", "--no-plot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    accuracies(result.stdout)


@pytest.mark.parametrize(
    "args, message",
    [(["--noise", "-0.1"], "must be >= 0"), (["--samples", "5"], "at least 10 samples"),
     (["--hidden", "0"], "must be positive"), (["--epochs", "ten"], "expected an int"),
     (["--format", "jpg"], "invalid choice")],
)  # fmt: skip
def test_bad_options_give_a_usage_error(args, message, tmp_path):
    result = run_cli("moons", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: chainrule moons")
    assert "error:" in result.stderr and message in result.stderr
    assert result.stdout == ""
