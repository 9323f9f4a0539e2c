# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.serve-stamp
STAMP := $(VENV)/.installed-stamp
# Standard clients nobody here wrote (graphql-ws, graphql-http, Apollo Client): the tests run them.
CLIENTS_STAMP := tests/clients/node_modules/.installed-stamp
PYTEST_ARGS ?=
SERVE_ARGS ?=
POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

.PHONY: setup serve test test-postgres lint format bench schema web-rules vendor clean

# Serving needs the runtime dependencies only; tests, lint and benchmarks add the dev extra.
$(SERVE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): pyproject.toml $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CLIENTS_STAMP): tests/clients/package.json tests/clients/package-lock.json
	npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
	touch $(CLIENTS_STAMP)

setup: $(STAMP)

serve: $(SERVE_STAMP)  ## set up, create/migrate ./graph_api.db, serve http://127.0.0.1:8000
	$(BIN)/graph-api serve $(SERVE_ARGS)

test: setup $(CLIENTS_STAMP)  ## set up and run the whole suite (SQLite; PostgreSQL too when GRAPH_API_TEST_DATABASE_URL is set)
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# The whole suite (the editor's browser tests too) on the local PostgreSQL server; each xdist
# worker creates and drops its own database. REQUIRE: fail, never skip, if it cannot run there.
test-postgres: setup $(CLIENTS_STAMP)  ## the suite again on the local PostgreSQL server
	GRAPH_API_TEST_DATABASE_URL=$(POSTGRES_URL) GRAPH_API_REQUIRE_POSTGRES=1 \
		$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check graph_api tests bench
	$(BIN)/ruff format --check graph_api tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix graph_api tests bench
	$(BIN)/ruff format graph_api tests bench

schema: setup  ## re-export schema/schema.graphql
	$(BIN)/graph-api schema export schema/schema.graphql

# The server's naming rules the editor applies offline (node ids, relationship keys), rendered
# from graph_api/services into a committed ES module; a test fails when it is stale.
web-rules: $(SERVE_STAMP)  ## re-generate graph_api/web/js/rules.js
	$(BIN)/python -m graph_api.client_rules graph_api/web/js/rules.js

# Browser assets served by the package (GraphiQL, the editor's graph libraries), re-fetched
# from the npm registry at the versions each folder's package-lock.json pins (needs Node and
# npm); the results are committed, so serving needs no Node. Each vendor.sh runs by its shebang.
vendor:  ## re-create graph_api/web/vendor/*/ from their lock files
	@for script in graph_api/web/vendor/*/vendor.sh; do echo "== $$script"; $$script || exit 1; done

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
