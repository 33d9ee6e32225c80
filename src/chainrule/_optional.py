"""Optional dependencies, imported only when a feature needs them.

``require("matplotlib.pyplot", "plot")`` returns the module, or raises an ImportError that
names the missing package and the chainrule extra that installs it, so a user who never
plots never needs matplotlib.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The extra (``pip install "chainrule[EXTRA]"``) that brings each optional package.
EXTRAS = {
    "matplotlib": "plot",
    "graphviz": "viz",
    "sklearn": "datasets",
    "tqdm": "progress",
    "torch": "compare",
}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or explain, in one sentence, how to get it for ``feature``."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        extra = EXTRAS.get(top)
        hint = f'pip install "chainrule[{extra}]"' if extra else f"pip install {top}"
        raise ImportError(
            f"{feature} needs the optional package {top!r}, which is not installed; "
            f"install it with: {hint}"
        ) from err


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without raising if it cannot)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
