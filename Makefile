# Set-up and checks. `make test` is what CI runs (.ci/run) on a clean checkout.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench

$(BIN)/sobctl:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'

## Install sobctl and validate the bundled demo region.
demo:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e .
	$(BIN)/sobctl validate

## Install everything the tests need, then lint, type-check and run the suite.
test:
	./scripts/install-test-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/sobctl schema export --check
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

## The national-scale benchmark (minutes and ~400 MB of disk; not part of CI): see benchmarks/RESULTS.md.
bench:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.bench
