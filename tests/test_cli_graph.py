"""``python -m chainrule graph`` draws the XOR network's loss graph after one backward pass."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

import chainrule

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
XOR_OPS = Counter(
    {"MatMulBackward0": 2, "AddBackward0": 2, "SigmoidBackward0": 2}
    | {"SubBackward0": 1, "PowBackward0": 1, "MeanBackward0": 1}
)


def run_cli(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", CHAINRULE_NO_PROGRESS="1", MPLBACKEND="Agg")
    src = str(Path(chainrule.__file__).resolve().parents[1])  # the chainrule under test
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "chainrule", "graph", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return [t.text for t in root.iter() if t.tag.endswith("text") and t.text]


@needs_dot
def test_writes_the_xor_graph_as_svg_by_default(tmp_path):
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "chainrule-out" / "xor-graph.svg"
    assert f"Graph written to {Path('chainrule-out') / 'xor-graph.svg'}" in result.stdout
    texts = svg_texts(path)
    assert Counter(t for t in texts if t.endswith("Backward0")) == XOR_OPS
    for name in ("W1", "b1", "W2", "b2", "loss"):
        assert texts.count(name) == 1
    # the tutorial's shapes, and gradients after the backward pass
    assert {"shape (2, 4)", "shape (1, 4)", "shape (4, 1)", "shape (1, 1)"} <= set(texts)
    assert sum(t.startswith(("grad = ", "‖grad‖ = ")) for t in texts) == 4
    # the loss printed and drawn: the tutorial's network at initialisation
    loss_line = next(line for line in result.stdout.splitlines() if line.startswith("XOR loss"))
    loss = float(loss_line.split()[2])
    assert 0.2 < loss < 0.3  # sigmoid outputs near 0.5 against 0/1 targets: about 0.25
    assert f"data = {loss:.4g}" in texts


@needs_dot
def test_png_format_and_out_folder(tmp_path):
    result = run_cli("--format", "png", "--out", "figs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "figs" / "xor-graph.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    # the same graph as SVG gives the size in points; the PNG is drawn at 150 dpi
    run_cli("--out", "figs", cwd=tmp_path)
    svg = ET.parse(tmp_path / "figs" / "xor-graph.svg").getroot()
    points = [float(svg.get(k).removesuffix("pt")) for k in ("width", "height")]
    assert abs(width - points[0] * 150 / 72) <= 3 and abs(height - points[1] * 150 / 72) <= 3
    assert height > width  # data flows top to bottom through eight operations


def test_without_dot_it_writes_the_dot_source_and_the_install_hint(tmp_path):
    result = run_cli("--out", "o", cwd=tmp_path, path=str(tmp_path / "no-bin"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["xor-graph.dot"]
    dot = (tmp_path / "o" / "xor-graph.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph chainrule {") and dot.count("MatMulBackward0") == 2
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert hint in result.stdout
    assert f"Graph written to {Path('o') / 'xor-graph.dot'}" in result.stdout


def test_bad_options_are_usage_errors(tmp_path):
    for args, says in [
        (["--format", "jpg"], "invalid choice: 'jpg'"),
        (["--hidden", "0"], "must be positive"),
        (["--nonsense"], "unrecognized arguments: --nonsense"),
    ]:
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert "usage: chainrule" in result.stderr and says in result.stderr
    assert not (tmp_path / "chainrule-out").exists()
