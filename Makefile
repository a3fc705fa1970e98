# The two commands of the README: `make run` and `make test`. Both create
# .venv with the Python found on PATH (3.11 or newer) and install into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint pytest install install-dev clean

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

run: install
	ELENCHOS_MAIL_BACKEND=$${ELENCHOS_MAIL_BACKEND:-console} $(BIN)/elenchos serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check src tests migrations
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test: lint pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
