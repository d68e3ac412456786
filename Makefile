# The commons marketplace. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := python3 -m uv
PY := .venv/bin/python
DEMO_ENV := DJANGO_DEBUG=1
# load-towns, manage, backup and restore run on the demo's settings unless production's are set
# (a secret key, or DJANGO_DEBUG).
APP_ENV := $(if $(or $(DJANGO_SECRET_KEY),$(DJANGO_DEBUG)),,$(DEMO_ENV))
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=test-only-not-a-secret-but-long-enough-for-hs256 DJANGO_ALLOWED_HOSTS=testserver,127.0.0.1,localhost
FILE ?= marketplace/demo/towns.json

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --break-system-packages uv
	$(UV) sync --frozen --quiet
	@touch $@

.PHONY: install
install: .venv/.synced ## Install the Python dependencies (uv, from uv.lock)

.PHONY: demo
demo: install ## Run the demo on embedded defaults (SQLite, eager Celery, dummy payments) on 127.0.0.1:8000
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0
	$(DEMO_ENV) $(PY) manage.py load_towns $(FILE)
	$(DEMO_ENV) $(PY) manage.py setup_demo
	@echo
	@echo "  Web shop:           http://127.0.0.1:8000/"
	@echo "  Shopkeepers:        http://127.0.0.1:8000/commercant/"
	@echo "  Association:        http://127.0.0.1:8000/association/ (association@rennes.demo / demo)"
	@echo "  Where the money goes: http://127.0.0.1:8000/transparence/"
	@echo "  GraphQL (GraphiQL): http://127.0.0.1:8000/graphql/"
	@echo "  Health:             http://127.0.0.1:8000/health/"
	@echo "  Open data:          http://127.0.0.1:8000/open-data/rennes/catalogue.csv (and commission-rules, audit-log, transparency)"
	@echo "  Admin:              http://127.0.0.1:8000/admin/ (platform superusers: make manage CMD=createsuperuser)"
	@echo
	@# gunicorn, the production server (deploy/gunicorn.conf.py): racing clients queue, never reset.
	$(DEMO_ENV) $(PY) -m gunicorn -c deploy/gunicorn.conf.py

.PHONY: load-towns
load-towns: install ## Load a towns.json file (the demo's database, or production's when set): make load-towns FILE=path/to/towns.json
	$(APP_ENV) $(PY) manage.py load_towns $(FILE)

.PHONY: manage
manage: install ## A manage.py command (the demo's database, or production's when set): make manage CMD=createsuperuser
	$(APP_ENV) $(PY) manage.py $(CMD)

.PHONY: backup
backup: install ## Back up the database and the uploaded images into BACKUP_DIR (default var/backups)
	$(APP_ENV) $(PY) manage.py dbbackup --noinput --compress --clean
	$(APP_ENV) $(PY) manage.py mediabackup --noinput --compress --clean

.PHONY: restore
restore: install ## Put back the latest backup (asks first), then rebuild the search indexes
	$(APP_ENV) $(PY) manage.py dbrestore --uncompress
	$(APP_ENV) $(PY) manage.py mediarestore --uncompress
	$(APP_ENV) $(PY) manage.py search_rebuild --all --no-progress

.PHONY: services-up
services-up: ## Install if needed and start PostgreSQL, Redis, the search engine and stripe-mock
	bash deploy/services-up.sh

.PHONY: services-down
services-down: ## Stop the services
	bash deploy/services-down.sh

.PHONY: lint
lint: install ## ruff (lint + format check), mypy and the layers contract (import-linter)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(TEST_ENV) $(PY) -m mypy marketplace vendors payments search
	.venv/bin/lint-imports

.PHONY: schema
schema: install ## Export the GraphQL schema to schema.graphql
	$(TEST_ENV) $(PY) manage.py graphql_schema --schema marketplace.graphql.schema.schema --out schema.graphql

.PHONY: checks
checks: install ## Migrations and schema are current
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	@mkdir -p var
	$(TEST_ENV) $(PY) manage.py graphql_schema --schema marketplace.graphql.schema.schema --out var/schema.check.graphql
	@diff -u schema.graphql var/schema.check.graphql || (echo "schema.graphql is stale: run 'make schema'"; exit 1)

.PHONY: test
test: install services-up ## Everything: lint, checks, then pytest on the real services
	source deploy/services-env.sh && $(MAKE) --no-print-directory lint checks pytest

# Two test processes (pytest-xdist), one per core; PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= 2

.PHONY: pytest
pytest: install ## pytest alone (expects the services' environment: source deploy/services-env.sh)
	$(TEST_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

.PHONY: format
format: install ## Format and fix what ruff can
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

.PHONY: benchmarks
benchmarks: install services-up ## Run the benchmarks on the real services (prints figures)
	source deploy/services-env.sh && for b in tests/benchmarks/bench_*.py; do $(TEST_ENV) $(PY) $$b || exit 1; done

# Mutants run at once (one per core); each has its own test database (tests/conftest.py), the
# extra ones made first (slot n: test_<name>_mutmut<n>, kept by --reuse-db).
MUTATION_CHILDREN ?= 2

.PHONY: mutation
mutation: install services-up ## Mutation testing (mutmut) of the permission, commission, refund and transfer modules: kill rate per module, survivors (long; not in make test)
	source deploy/services-env.sh && for slot in $$(seq 1 $$(( $(MUTATION_CHILDREN) - 1 ))); do \
		MUTMUT_DB_SLOT=$$slot $(TEST_ENV) $(PY) -m pytest -q -p no:cacheprovider --reuse-db tests/payments/test_ledger_check.py >/dev/null || exit 1; done; \
		$(TEST_ENV) $(PY) -m mutmut run --max-children $(MUTATION_CHILDREN) >/dev/null; \
		$(TEST_ENV) $(PY) -m mutmut results --all true | $(PY) tests/mutation_report.py
