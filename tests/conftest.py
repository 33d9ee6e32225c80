import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

# One profile for the whole suite: bounded examples, no per-example deadline (the first call
# of a test pays for imports), and data-drawing tests may be slow-ish by design.
# `make test` (and CI) draws the same examples every run, so a red build always means a
# change broke something; HYPOTHESIS_PROFILE=explore draws new examples each run, to hunt.
_common = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("chainrule", max_examples=25, derandomize=True, **_common)
settings.register_profile("explore", max_examples=100, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chainrule"))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
