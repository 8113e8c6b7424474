# Two commands from a fresh clone: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test pytest compat typecheck lint demo demo-serve bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	HYPOTHESIS_PROFILE=repeatable $(PY) -m pytest -n 2
	$(MAKE) --no-print-directory compat typecheck lint

# The SDK-facing tests at each end of the declared minio, Django and Python ranges.
compat: $(STAMP)
	$(PY) .ci/compat.py

pytest: $(STAMP)
	$(PY) -m pytest -n 2

typecheck: $(STAMP)
	$(VENV)/bin/mypy django_minio_backend tests/typing

lint: $(STAMP)
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

demo: $(STAMP)
	$(PY) -m examples.demo

demo-serve: $(STAMP)
	$(PY) -m examples.demo --serve

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks.run

bench-smoke: $(STAMP)
	$(PY) -m benchmarks.run --smoke
