# The two commands of the README: `make run` and `make test`. Both create
# .venv with the Python found on PATH (3.11 or newer) and install into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint pytest docs install install-dev install-bench wrk bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-bench: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install-bench: $(VENV)/.installed-bench

# The benchmark's load generator, from Debian's package when running as root.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
		else \
			echo "wrk is missing: install it with 'sudo apt-get install wrk'" >&2; exit 1; \
		fi; \
	}

run: install
	ELENCHOS_MAIL_BACKEND=$${ELENCHOS_MAIL_BACKEND:-console} $(BIN)/elenchos serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check src tests migrations
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test: lint pytest

# Regenerates docs/openapi.json, the Postman collection, .env.example and the
# generated tables in docs/ and README.md; tests fail while any of them is stale.
docs: install
	$(BIN)/elenchos docs

# The benchmark of bench/README.md, an estimated 10 to 15 minutes; BENCH_ARGS passes options.
bench: install-bench wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# A smoke run of every scenario in about 3 minutes. It fails on errors, never on timings.
bench-quick: install-bench wrk
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
