# Set-up and checks. `make test` is what CI runs (.ci/run) on a clean checkout.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench translations

$(BIN)/sobctl:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'

## Install sobctl and validate the bundled demo region.
demo:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e .
	$(BIN)/sobctl validate --as-of 2026-11-23

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

LOCALE = src/sobctl/locale

## Messages: extract every _() string (and the rule descriptions) into sobctl.pot, merge it into the
## sv and en catalogues, then compile the .mo files. Translate new entries in $(LOCALE)/sv/LC_MESSAGES/sobctl.po
## (remove "fuzzy" marks once checked), run this again, and commit the .po and .mo files.
translations: $(BIN)/sobctl
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --sort-by-file --project sobctl \
		--copyright-holder "Region Exempelland" -o $(LOCALE)/sobctl.pot .
	$(BIN)/pybabel update -D sobctl -i $(LOCALE)/sobctl.pot -d $(LOCALE) --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -D sobctl -d $(LOCALE) --statistics

## The national-scale benchmark (minutes and ~400 MB of disk; not part of CI): see benchmarks/RESULTS.md.
bench:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks.bench
