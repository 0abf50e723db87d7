# Maillage — the documented commands. `make run` and `make test` work on a fresh Debian machine:
# they install what is missing (Debian packages, the Python environment, npm packages) themselves.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip
CONSTRAINTS := constraints.txt
LOCALE := src/maillage/locale/fr/LC_MESSAGES
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run setup setup-dev system-test test test-sqlite test-postgres lint typecheck format messages bench screenshot clean demo

## run: set up, migrate, load the Montréal demo into SQLite, serve on http://127.0.0.1:8000
run: setup
	$(BIN)/maillage migrate --noinput -v0
	$(BIN)/maillage demo --if-empty
	$(BIN)/maillage serve 127.0.0.1:8000

## setup: the virtual environment, the runtime dependencies and the compiled translations
setup: $(VENV)/.runtime $(LOCALE)/django.mo

$(VENV)/.runtime: pyproject.toml $(CONSTRAINTS)
	scripts/system-deps.sh runtime
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"
	$(PIP) install -q -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

system-test:
	scripts/system-deps.sh test

node_modules/.installed: package.json package-lock.json | system-test
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LOCALE)/django.mo: $(LOCALE)/django.po $(VENV)/.runtime
	cd src/maillage && ../../$(BIN)/maillage compilemessages -v0

setup-dev: setup system-test $(VENV)/.dev node_modules/.installed

## test: lint, type-check, then the whole suite on SQLite and again on a throwaway PostgreSQL 15
test: setup-dev lint typecheck test-sqlite test-postgres

lint:
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck:
	$(BIN)/mypy

test-sqlite:
	$(BIN)/pytest -n 2 --dist loadgroup -q

test-postgres:
	scripts/with-postgres.sh $(BIN)/pytest -n 2 --dist loadgroup -q

format:
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

## messages: collect new strings into the French catalogue (then translate them)
messages: setup
	cd src/maillage && ../../$(BIN)/maillage makemessages -l fr --add-location=file --no-wrap -v0

## bench: search, list rendering, diagnostics aggregates and baskets on 100,000 organisations (PostgreSQL), then allocation at Montréal and province scale, then network metrics on 100,000 organisations and 1,000,000 relations (networkit against networkx), then the analytics dashboards on the Montréal demo, the network task end to end on 100,000 organisations, feedback scorecards at province scale, a deliberation round's results at metropolitan scale, open data imports of 100,000 organisations (PostgreSQL and SQLite), chantiers at metropolitan scale, and a load test of 50 people at once on gunicorn and the task worker over 100,000 organisations
bench: setup-dev
	scripts/with-postgres.sh $(BIN)/python bench/run.py
	$(BIN)/python bench/allocation.py
	$(BIN)/python bench/network.py
	scripts/with-postgres.sh $(BIN)/python bench/analytics.py
	scripts/with-postgres.sh $(BIN)/python bench/network_task.py
	scripts/with-postgres.sh $(BIN)/python bench/feedback.py
	scripts/with-postgres.sh $(BIN)/python bench/collective.py
	scripts/with-postgres.sh $(BIN)/python bench/interop.py
	scripts/with-postgres.sh $(BIN)/python bench/chantiers.py
	scripts/with-postgres.sh $(BIN)/python bench/load.py

## screenshot: docs/screenshot.png, from a running demo
screenshot: setup-dev
	$(BIN)/python scripts/screenshot.py

demo: setup
	$(BIN)/maillage migrate --noinput -v0
	$(BIN)/maillage demo

clean:
	rm -rf $(VENV) node_modules var
