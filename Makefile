# Development and CI entry points. Every target that runs Python first makes
# .venv and installs the project with its test extras from pyproject.toml.
#
#   make run     migrate, load the knowledge base, create the demo staff
#                account, then serve the app under uvicorn (ASGI) with reload
#   make test    ruff check, then pytest on SQLite, then pytest on PostgreSQL
#   make bench-chat  load-test reply streams and the chat page on loopback,
#                under ASGI and WSGI workers (see docs/performance.md)
#
# Variables, set on the command line (make run PORT=8001) or in the
# environment:
#   PORT, HOST         address of `make run` (default 127.0.0.1:8000)
#   DEBUG              1 unless the environment sets it
#   TEST_DATABASE_URL  PostgreSQL server of the second test pass; pytest-django
#                      creates and drops the test_<name> database on it
#   TEST_REDIS_URL     Redis server for the shared rate-limit tests; empty
#                      skips them
#   PYTEST_ARGS        extra pytest arguments for both passes, e.g. -x or -k name
#   FAKE_CLAUDE_PORT   port of `make fake-claude` (default 8765)
#   BENCH_DATABASE     PostgreSQL server of `make bench-chat`, without a
#                      database name; the benchmark creates and drops its own
#   BENCH_ARGS         arguments of bench/chat_load.py (default: 500 employees)

PORT ?= 8000
HOST ?= 127.0.0.1
DEBUG ?= 1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
# Redis for the tests that check limits shared between app instances; they
# are skipped when this is empty.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export TEST_REDIS_URL
PYTEST_ARGS ?=
FAKE_CLAUDE_PORT ?= 8765
BENCH_DATABASE ?= postgres://postgres@127.0.0.1:5432
BENCH_ARGS ?= --concurrency 500

VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Written after a successful install. A pyproject.toml newer than this file
# makes the next target install again.
INSTALLED := $(VENV)/.installed

# Interpreters tried in this order. pyenv's shims exit non-zero for a version
# that the current directory has not selected, so each candidate is run once
# to check its version rather than trusted by name.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON_CANDIDATES := python3.12 python3.13 python3.14 \
	$(sort $(wildcard $(PYENV_ROOT)/versions/3.1[2-9]*/bin/python)) python3
PYTHON_VERSION_CHECK := import sys; sys.exit(sys.version_info < (3, 12))

PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)

# The steps of `make test` must run in order even under make -j.
.NOTPARALLEL:

.PHONY: help venv run migrate load-knowledge demo-staff messages fake-claude \
	lint format test test-sqlite test-postgres bench-chat clean

help:
	@sed -n '1,/^$$/p' Makefile

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c '$(PYTHON_VERSION_CHECK)' 2>/dev/null; then \
		echo "$(VENV) runs a Python older than 3.12 or is broken: recreating it."; \
		rm -rf $(VENV); \
	fi
	@if [ ! -x $(BIN)/python ]; then \
		base=""; \
		for candidate in $(PYTHON_CANDIDATES); do \
			if "$$candidate" -c '$(PYTHON_VERSION_CHECK)' >/dev/null 2>&1; then \
				base=$$("$$candidate" -c 'import sys; print(sys.executable)'); \
				break; \
			fi; \
		done; \
		if [ -z "$$base" ]; then \
			echo "No Python 3.12 or newer found (tried: $(PYTHON_CANDIDATES))." >&2; \
			echo "Install one, for example 'pyenv install 3.12', and run make again." >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $$base"; \
		"$$base" -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The project has no importable package (packages = []), so a regular
	@# install equals an editable one and skips setuptools' editable warning.
	$(BIN)/python -m pip install --quiet '.[test]'
	@touch $@

# Compiles the .po files of locale/ when there are any. compilemessages needs
# GNU gettext's msgfmt; without it the .mo files kept in git are used.
messages: $(INSTALLED)
ifneq ($(PO_FILES),)
	@if command -v msgfmt >/dev/null; then \
		DEBUG=$(DEBUG) $(MANAGE) compilemessages --ignore=$(VENV); \
	else \
		echo "msgfmt (GNU gettext) not found: using the compiled .mo files in locale/."; \
	fi
endif

migrate: $(INSTALLED)
	DEBUG=$(DEBUG) $(MANAGE) migrate --noinput

# loaddata replaces rows with the same primary key, so running it again
# restores the shipped articles and overwrites local edits to them.
load-knowledge: migrate
	DEBUG=$(DEBUG) $(MANAGE) loaddata fixtures/knowledge.json

demo-staff: migrate
	@DEBUG=$(DEBUG) $(MANAGE) create_demo_staff --base-url http://$(HOST):$(PORT)

# runserver is WSGI and buffers the reply stream, so the app runs under
# uvicorn. WhiteNoise serves static files from the finders while DEBUG is on.
run: messages load-knowledge demo-staff
	DEBUG=$(DEBUG) $(BIN)/uvicorn helpdesk.asgi:application --reload \
		--host $(HOST) --port $(PORT)

# A stand-in for the Anthropic Messages API. Serve the app against it with
#   ANTHROPIC_API_KEY=fake ANTHROPIC_BASE_URL=http://127.0.0.1:8765 make run
fake-claude: $(INSTALLED)
	$(BIN)/python -m chat.fake_claude --port $(FAKE_CLAUDE_PORT)

# Takes about 4 minutes on 2 cores: each phase is bounded in time, and the
# WSGI run waits out its stream timeout when replies queue behind its threads.
bench-chat: $(INSTALLED)
	$(BIN)/python bench/chat_load.py --database '$(BENCH_DATABASE)' $(BENCH_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint test-sqlite test-postgres

# Browser tests (marker `browser`) run in both passes. Their live server uses
# the database engine of the pass, and the reply stream writes from async code
# while pages read, where SQLite's file locks and PostgreSQL's transactions
# behave differently. Production runs PostgreSQL. The one browser test took
# about 17 s per pass on a 2-core machine.
test-sqlite: $(INSTALLED) messages
	DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(INSTALLED) messages
	@if command -v pg_isready >/dev/null && ! pg_isready -q -d '$(TEST_DATABASE_URL)'; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is not accepting connections." >&2; \
		echo "Start it, or point TEST_DATABASE_URL at a running server." >&2; \
		exit 1; \
	fi
	DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles test-results
