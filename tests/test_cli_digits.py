"""``chainrule digits`` end to end, in a subprocess, with short runs."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

EPOCH_LINE = re.compile(
    r"^Epoch +(\d+)/(\d+)  train loss (\d+\.\d{4})  test loss (\d+\.\d{4})  "
    r"test acc (\d+\.\d\d)%$"
)
# 11 x 4.2, 6.5 x 6 and (8 x 1.2) x (3 x 1.4 + 0.6) inches at 100 dpi
FIGURE_SIZES = {"curves": (1100, 420), "confusion": (650, 600), "samples": (960, 480)}


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


def epoch_lines(stdout: str) -> list[tuple[int, int, float, float, float]]:
    found = []
    for line in stdout.splitlines():
        match = EPOCH_LINE.match(line)
        if match:
            e, total, train, test, acc = match.groups()
            found.append((int(e), int(total), float(train), float(test), float(acc)))
    return found


def final_accuracy(stdout: str) -> float:
    last = stdout.splitlines()[-1]
    match = re.fullmatch(r"Test accuracy: (\d+\.\d\d)%", last)
    assert match, f"the last line is not the accuracy: {last!r}"
    return float(match.group(1))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """``digits --model M --epochs 2`` for both models, run once for all the tests below."""
    found = {}
    for model in ("mlp", "cnn"):
        cwd = tmp_path_factory.mktemp(f"digits-{model}")
        found[model] = cwd, run_cli("digits", "--model", model, "--epochs", "2", cwd=cwd)
    return found


@pytest.fixture(params=["mlp", "cnn"])
def two_epochs(request, runs):
    return (request.param, *runs[request.param])


def test_trains_and_prints_each_epoch_and_the_accuracy(two_epochs):
    model, _, result = two_epochs
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1438 training and 359 test images" in out  # 80/20 of 1,797, per class
    assert f"Model: {model}" in out
    lines = epoch_lines(out)
    assert [(e, total) for e, total, *_ in lines] == [(1, 2), (2, 2)]
    (_, _, train1, test1, _), (_, _, train2, test2, acc2) = lines
    assert train2 < train1 and test2 < test1  # learning, not just running
    assert final_accuracy(out) == acc2 > 85.0


def test_writes_the_figures_and_the_checkpoint(two_epochs):
    model, cwd, result = two_epochs
    assert result.returncode == 0, result.stderr
    out = cwd / "chainrule-out"
    for name, size in FIGURE_SIZES.items():
        path = out / f"digits-{model}-{name}.png"
        assert f"Figure: chainrule-out/digits-{model}-{name}.png" in result.stdout
        assert png_size(path) == size, name
    state = chainrule.load(out / f"digits-{model}.safetensors")
    assert state["epoch"] == 2
    assert state["config"]["seed"] == 0 and state["config"]["batch_size"] == 64
    assert [len(v) for v in state["history"].values()] == [2, 2, 2]
    assert state["optimizer"]["state"] and state["scheduler"]["last_epoch"] == 2


def test_resume_continues_exactly_where_it_stopped(runs, tmp_path):
    cwd, _ = runs["mlp"]  # the cnn resumes through the same code
    shutil.copytree(cwd / "chainrule-out", tmp_path / "chainrule-out")
    resumed = run_cli("digits", "--resume", "--epochs", "3", "--no-plot", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming from chainrule-out/digits-mlp.safetensors after epoch 2" in resumed.stdout
    lines = epoch_lines(resumed.stdout)
    assert [(e, total) for e, total, *_ in lines] == [(3, 3)]  # epoch 3, not 1 again
    assert chainrule.load(tmp_path / "chainrule-out/digits-mlp.safetensors")["epoch"] == 3

    # the checkpoint holds everything: 2 epochs + 1 resumed is the 3-epoch run, digit for digit
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = run_cli("digits", "--epochs", "3", "--no-plot", cwd=fresh_dir)
    assert fresh.returncode == 0, fresh.stderr
    assert epoch_lines(fresh.stdout)[2] == lines[0]
    assert final_accuracy(fresh.stdout) == final_accuracy(resumed.stdout)


def test_resume_without_a_checkpoint_is_an_error(tmp_path):
    result = run_cli("digits", "--model", "cnn", "--resume", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert "--resume: no checkpoint at chainrule-out/digits-cnn.safetensors" in result.stderr
    assert result.stdout == ""


def test_resume_refuses_a_different_seed(runs, tmp_path):
    cwd, _ = runs["mlp"]
    shutil.copytree(cwd / "chainrule-out", tmp_path / "chainrule-out")
    result = run_cli("digits", "--resume", "--seed", "1", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 2
    assert "--seed 1 differs from the checkpoint's --seed 0" in result.stderr


def test_quiet_no_plot_prints_only_the_accuracy(tmp_path):
    result = run_cli(
        "digits", "--epochs", "1", "--batch-size", "128", "--lr", "0.005", "--quiet",
        "--no-plot", "--out", "run", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert final_accuracy(line) > 50.0
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["digits-mlp.safetensors"]
    config = chainrule.load(tmp_path / "run/digits-mlp.safetensors")["config"]
    assert config == {"seed": 0, "batch_size": 128, "lr": 0.005}


@pytest.mark.parametrize(
    "args, message",
    [(["--model", "rnn"], "invalid choice: 'rnn'"), (["--epochs", "0"], "must be positive"),
     (["--batch-size", "many"], "expected an int"), (["--lr", "-0.1"], "must be positive"),
     (["--format", "gif"], "invalid choice: 'gif'"), (["--bogus"], "unrecognized arguments")],
)  # fmt: skip
def test_bad_options_give_a_usage_error(args, message, tmp_path):
    result = run_cli("digits", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: chainrule")
    assert "error:" in result.stderr and message in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "chainrule-out").exists()
