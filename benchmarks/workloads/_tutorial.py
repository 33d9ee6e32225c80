"""The seed tutorial's own Tensor class, taken from its notebook at run time.

``tests/data/backprop_from_scratch.txt`` is the repository's verbatim copy of the notebook
chainrule grew from (``tests/test_tutorial.py`` splits it the same way). In that plain-text
export a code cell starts on the line after ``In [None]:`` and ends at the next marker or
where a Markdown cell begins: a blank line followed by a ``##``-level heading.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np

NOTEBOOK = Path(__file__).resolve().parents[2] / "tests" / "data" / "backprop_from_scratch.txt"
CELL_MARKER = "In [None]:"


def tensor_class_source(path: Path = NOTEBOOK) -> str:
    """The code of the cell that starts with ``class Tensor:``."""
    if not path.exists():
        raise FileNotFoundError(f"the tutorial's notebook is missing: expected it at {path}")
    text = path.read_text(encoding="utf-8")
    chunks = re.split(rf"^{re.escape(CELL_MARKER)}[ \t]*\n", text, flags=re.MULTILINE)[1:]
    cells = [re.split(r"\n[ \t]*\n(?=#{2,6} )", c, maxsplit=1)[0].strip("\n") for c in chunks]
    found = [c for c in cells if c.startswith("class Tensor:")]
    if len(found) != 1:
        raise ValueError(f"expected one 'class Tensor:' cell in {path}, found {len(found)}")
    return found[0]


def tutorial_tensor_class() -> type:
    """Execute the cell (its closing ``print`` is swallowed) and return its ``Tensor``."""
    namespace = {"np": np, "__name__": "tutorial"}
    code = compile(tensor_class_source(), "<tutorial Tensor cell>", "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)
    return namespace["Tensor"]
