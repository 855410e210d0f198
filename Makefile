# Two entry points for a fresh machine: `make run` (server on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
DEVSTAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench fuzz docs clean install dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
dev: $(DEVSTAMP)

## make run: create the virtualenv, install, and serve the web UI + API (embedded default data if nothing imported)
run: $(STAMP)
	$(BIN)/hhbill serve --host $(HOST) --port $(PORT)

## make test: install everything the tests need (incl. Debian chromium for browser tests), lint, type-check, test
test: $(DEVSTAMP)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (echo "installing Debian chromium for the browser tests" && \
	   (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	   echo "warning: could not install chromium")
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## make bench: every benchmark, results written to bench/RESULTS.md
bench: $(DEVSTAMP)
	$(BIN)/python -m bench

docs: $(STAMP)
	$(BIN)/python -m hhbill.claims.docs > docs/EDITS.md

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
