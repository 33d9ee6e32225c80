# chainrule: the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: demo test bench fuzz lint docs figures clean

# A stamp file per install flavour, so `make test` after `make demo` adds the test extra.
$(VENV)/.stamp-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.stamp-demo: pyproject.toml $(VENV)/.stamp-base
	$(PIP) install --quiet -e ".[demo]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-base
	$(PIP) install --quiet -e ".[test]"
	touch $@

# The tutorial's story: training, the results table, figures in ./chainrule-out, and the
# comparison with PyTorch started from the same weights.
demo: $(VENV)/.stamp-demo
	$(PY) -m chainrule xor

test: $(VENV)/.stamp-test
	$(PY) -m pytest -q

# The side-by-side speed and memory harness (benchmarks/README.md); about 3 minutes.
bench: $(VENV)/.stamp-test
	$(PY) -m benchmarks

# The long differential fuzzing run against PyTorch (tests/fuzz/FINDINGS.md logs each one):
# make fuzz PROGRAMS=100000 SEED=1000000
fuzz: $(VENV)/.stamp-test
	$(PY) -m tests.fuzz --programs $(or $(PROGRAMS),20000) --seed $(or $(SEED),0)

lint: $(VENV)/.stamp-test
	$(PIP) install --quiet ruff
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m ruff format --check src tests benchmarks scripts

# Regenerate docs/api-coverage.md after adding ops (a test fails while it is stale).
docs: $(VENV)/.stamp-test
	$(PY) scripts/api_coverage.py

# Regenerate the README's figures (docs/images/) with the demo commands themselves.
figures: $(VENV)/.stamp-demo
	CHAINRULE_NO_PROGRESS=1 $(PY) -m chainrule xor --quiet --grad-flow --out docs/images
	CHAINRULE_NO_PROGRESS=1 $(PY) -m chainrule digits --model cnn --quiet --out docs/images
	CHAINRULE_NO_PROGRESS=1 $(PY) -m chainrule moons --quiet --out docs/images
	CHAINRULE_NO_PROGRESS=1 $(PY) -m chainrule graph --format png --out docs/images
	rm -f docs/images/*.safetensors

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
