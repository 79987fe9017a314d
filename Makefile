# Newsdesk: `make run` serves the API with its docs, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format openapi install bench fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Newsdesk needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/flask --app api db upgrade
	$(BIN)/flask --app api seed --if-empty
	@# The worker (webhooks, scheduled publications) runs beside the server and stops with it:
	@# SIGTERM lets it finish the delivery in flight
	$(BIN)/flask --app api webhooks work & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask --app api run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: $(VENV)/.installed
	$(BIN)/flask --app api openapi write --format=yaml openapi.yaml

# The benchmark (benchmarks/bench.py): Newsdesk and a bare-Flask baseline under gunicorn, driven
# by wrk; prints req/s, p50, p99 and ratios. ARGS=--articles 1000,10000,100000 for the curve;
# NEWSDESK_BENCH_DATABASE_URL=postgresql://… adds a PostgreSQL run. Not a test: nothing in
# `make test` times anything.
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "installing wrk (Debian's package)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }
	$(BIN)/python benchmarks/bench.py $(ARGS)

# Schemathesis's CLI against the app under gunicorn (tests/fuzz/run.py): a throwaway seeded
# SQLite database, an admin key, every phase (stateful included) and every check. FUZZ_SEED
# fixes the cases; FUZZ_EXAMPLES bounds them per operation and pass; FUZZ_MAX_TIME (seconds)
# bounds the run, which repeats fuzzing and stateful passes until it is spent.
FUZZ_SEED ?= 1
FUZZ_EXAMPLES ?= 100
FUZZ_MAX_TIME ?= 300
fuzz: $(VENV)/.installed-test
	$(BIN)/python tests/fuzz/run.py --seed $(FUZZ_SEED) --max-examples $(FUZZ_EXAMPLES) \
		--max-time $(FUZZ_MAX_TIME)
