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
