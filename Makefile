# The two commands of the README. Each sets up what it needs in .venv (from PyPI) and runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# CI (CI=true) also runs every database test on a PostgreSQL server that .ci/postgres.sh installs and starts.
TEST_DATABASE_URL ?= $(if $(filter true,$(CI)),postgresql+asyncpg://bot:bot@127.0.0.1:5432/logement_test,)

.PHONY: sandbox test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

sandbox: $(BIN)/python
	$(BIN)/pip install --quiet .
	$(BIN)/logement-bot sandbox

test: $(BIN)/python
	$(BIN)/pip install --quiet '.[dev]'
	@if [ "$(CI)" = "true" ]; then bash .ci/postgres.sh; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest
