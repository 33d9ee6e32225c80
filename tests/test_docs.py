"""The generated docs are current, and the README's example runs as printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_api_coverage_page_is_current():
    """docs/api-coverage.md must be regenerated (scripts/api_coverage.py) when ops change."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "api_coverage.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_api_coverage_marks_supported_and_missing_names():
    page = (ROOT / "docs" / "api-coverage.md").read_text()
    assert "| `matmul` | yes |" in page
    assert "| `backward` | yes |" in page
    # a PyTorch name chainrule does not have is listed as unsupported
    assert "`stft`" in page.split("## Not supported")[1]


def _python_blocks(text: str) -> list[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.strip() == "```python":
            inside, current = True, []
        elif line.strip() == "```" and inside:
            inside = False
            blocks.append("\n".join(current))
        elif inside:
            current.append(line)
    return blocks


def test_readme_examples_run_and_print_what_they_say(tmp_path):
    """Each Python block of the README runs; the output the comments promise appears."""
    blocks = _python_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    outputs = []
    for code in blocks:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "0.2649962604045868" in outputs[0] and "12.0 12.0 True" in outputs[0]
    loss, accuracy = outputs[1].split(",")
    assert float(accuracy.split()[-1].rstrip("%")) > 95  # the model learned XOR
    assert (tmp_path / "model.safetensors").exists()
