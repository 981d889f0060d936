# lms — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEV_ENV := LMS_ENV=development
PORT ?= 8000

.PHONY: install run test test-pg security lint lock bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

## Run lms with the demo organization on SQLite at http://127.0.0.1:$(PORT)/
run: install
	$(DEV_ENV) $(BIN)/lms init-db
	$(DEV_ENV) $(BIN)/lms seed-demo
	$(DEV_ENV) $(BIN)/lms serve --port $(PORT)

## Run the whole test suite (SQLite; set LMS_TEST_DATABASE_URL for PostgreSQL), one worker per core
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS)

## Run the suite on a fresh PostgreSQL database (PG_URL without the database name)
PG_URL ?= postgresql://postgres@127.0.0.1:5432
test-pg: install
	$(BIN)/python scripts/pg_test_database.py $(PG_URL) -- $(MAKE) test

## The attack tests alone (they are part of `make test` too): tenancy and roles from the URL map,
## hostile bodies and forms (hypothesis), schemathesis against the served OpenAPI document, auth,
## deletes, faults, concurrent `lms serve` writers, migrations with data; docs/security.md
security: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/security tests/test_concurrency.py tests/test_migrations.py

lint: install
	$(BIN)/ruff check lms tests scripts bench
	$(BIN)/bandit -q -r lms -ll -c pyproject.toml

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock.new
	(printf '# Pinned versions for reproducible installs: pip install -c requirements.lock -e ".[dev]"\n# Refresh with: make lock\n'; cat requirements.lock.new) > requirements.lock
	rm requirements.lock.new

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

## The benchmark: first views after a change and a busy dashboard, then a million-event log import,
## SQLite and PostgreSQL
## (PG_URL as for test-pg); see docs/performance.md
bench: install
	$(BIN)/python bench/run.py --pg-url $(PG_URL)
	$(BIN)/python bench/events.py --pg-url $(PG_URL)
