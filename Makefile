# Two entry points for a fresh machine: `make run` (server on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the install is redone when the package's declaration or a module compiled by setup.py changes
INSTALL_INPUTS := pyproject.toml setup.py src/hhbill/x12/_spec.py src/hhbill/x12/_tokenizer.py src/hhbill/x12/_reader.py
INSTALL_HASH := $(shell cat $(INSTALL_INPUTS) | sha256sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(INSTALL_HASH)
DEVSTAMP := $(VENV)/.installed-dev-$(INSTALL_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint architecture complexity bench fuzz docs clean install dev system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(INSTALL_INPUTS)
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(BIN)/python $(INSTALL_INPUTS)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
dev: $(DEVSTAMP)

## make run: create the virtualenv, install, and serve the web UI + API (embedded default data if nothing imported)
run: $(STAMP)
	$(BIN)/hhbill serve --host $(HOST) --port $(PORT)

## make test: install everything the tests need (Debian chromium for the browser tests, PostgreSQL for the
## ledger tests, poppler-utils for the UB-04 PDF tests), lint, type-check, test
test: $(DEVSTAMP) system-deps
	$(BIN)/ruff check src tests bench fuzz scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	PATH="$(PG_BIN):$$PATH" $(BIN)/python -m pytest -n 2 -q --junitxml=build/junit.xml
	$(BIN)/python scripts/reliability_doc.py --junit build/junit.xml

# Debian's PostgreSQL keeps initdb/pg_ctl out of PATH; the ledger tests start their own server with them.
PG_BIN = $(firstword $(wildcard /usr/lib/postgresql/*/bin) /usr/local/bin)

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MAKE) complexity

## make architecture: the layering contracts of pyproject.toml ([tool.importlinter]), drawn in docs/ARCHITECTURE.md
architecture: $(DEVSTAMP)
	$(BIN)/lint-imports

## make complexity: functions above cyclomatic complexity 20 (radon rank D and worse); tests/test_architecture.py
## fails on any of them anywhere in src
complexity: $(DEVSTAMP)
	$(BIN)/radon cc --min D --show-complexity src/hhbill
	$(BIN)/python -m pytest -q tests/test_architecture.py

## make bench: every benchmark, results written to bench/RESULTS.md
bench: $(DEVSTAMP)
	$(BIN)/python -m bench

## make fuzz: the long coverage-guided fuzz run (findings land in fuzz/findings/ and become regression tests)
fuzz: $(DEVSTAMP)
	$(BIN)/python fuzz/run.py --seconds 60

## make docs: regenerate the docs that are generated from code (tests fail when they are stale)
docs: $(STAMP)
	$(BIN)/python -m hhbill.claims.docs > docs/EDITS.md
	$(BIN)/python -m hhbill.cli._docs > docs/CLI.md

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find src -name '*.so' -delete; rm -f src/hhbill/x12/_compiled_sources.json
