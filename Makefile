# ERMS: the two commands a person needs are `make run` and `make test`.
# Both install what they need (Debian packages, a venv in $(VENV)) on a bare Debian 12.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=
# One test process per core; a test file stays in one process, so its module fixtures are built once.
XDIST ?= -n auto --dist loadfile

# Browser tests drive Debian's /usr/bin/chromium; Playwright must never fetch its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help venv install system-deps system-deps-test translations run lint test test-fast clean distclean

help:
	@echo "make run    install everything, migrate, load the demo data, serve on http://127.0.0.1:5000"
	@echo "make test   install everything, run the tests on SQLite, then on a throwaway PostgreSQL"
	@echo "            (e.g. make test PYTEST_ARGS='-k audit')"
	@echo "make lint   ruff (lint and format) and mypy, zero findings (make test runs it first)"
	@echo "make test-fast  everyday work: the suite on SQLite without the browser tests, no lint"
	@echo "other targets: install, translations, clean (keeps instance/), distclean (removes instance/ too)"

# --- installation -------------------------------------------------------------

system-deps:
	@PYTHON='$(PYTHON)' bash scripts/system-deps.sh

system-deps-test:
	@PYTHON='$(PYTHON)' bash scripts/system-deps.sh --test

# system-deps first: on Debian's own python3, venv needs the python3.X-venv package.
$(VENV)/bin/python: | system-deps
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

venv: $(VENV)/bin/python

# Reinstall only when pyproject.toml changed since the last successful install.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install --disable-pip-version-check --progress-bar off -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The compiled catalogues are in the repository (a server installed without make speaks Vietnamese); after editing a
# .po, run this and commit the .mo (tests/web/test_translations.py says when one was forgotten).
# Each catalogue is compiled only when its .po is newer, into a file of its own renamed over the old one: a test run
# (or a server) reading the catalogue while `make run` starts never meets a half-written one.
translations: install
	@for po in $$(find erms/translations -name messages.po 2>/dev/null); do \
		mo=$${po%.po}.mo; locale=$$(basename $$(dirname $$(dirname "$$po"))); \
		if [ ! -f "$$mo" ] || [ "$$po" -nt "$$mo" ]; then \
			$(VENV)/bin/pybabel compile -i "$$po" -o "$$mo.$$$$.part" -l "$$locale" && mv "$$mo.$$$$.part" "$$mo" || exit 1; \
		fi; \
	done

# --- the two commands ---------------------------------------------------------

# gunicorn and the scheduler process together (scripts/run.sh); ERMS_BIND=host:port serves elsewhere.
run: system-deps install
	$(VENV)/bin/erms db upgrade
	$(VENV)/bin/erms demo load
	VENV=$(VENV) bash scripts/run.sh

# ruff and mypy, configured in pyproject.toml; any finding fails the target.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Lint first, then the whole suite on SQLite, then everything but the browser tests (database-agnostic,
# run once) on a throwaway PostgreSQL cluster, which is stopped whatever happens.
# Both runs always happen; the target fails if either fails.
test: system-deps-test install lint
	@sqlite=0; postgres=0; \
	echo "=== pytest on SQLite ==="; \
	env -u ERMS_TEST_DATABASE_URL $(VENV)/bin/python -m pytest -q $(XDIST) $(PYTEST_ARGS) || sqlite=$$?; \
	pgdir=$$(mktemp -d -t erms-pg.XXXXXX); \
	trap 'bash scripts/pg-cluster.sh stop "$$pgdir"' EXIT; \
	trap 'exit 130' INT TERM; \
	url=$$(bash scripts/pg-cluster.sh start "$$pgdir"); \
	echo "=== pytest on PostgreSQL ($$url) ==="; \
	ERMS_TEST_DATABASE_URL="$$url" $(VENV)/bin/python -m pytest -q $(XDIST) $(PYTEST_ARGS) -m "not browser" || postgres=$$?; \
	if [ "$$postgres" = 5 ] && [ -n "$(if $(strip $(PYTEST_ARGS)),1)" ]; then \
		echo "(PostgreSQL run: PYTEST_ARGS selected no non-browser test)"; postgres=0; \
	fi; \
	echo "=== SQLite run: exit $$sqlite; PostgreSQL run: exit $$postgres ==="; \
	[ "$$sqlite" = 0 ] && [ "$$postgres" = 0 ]

# Everyday work: SQLite only, no browser tests, one process per core, stop at the first failure.
test-fast: install
	env -u ERMS_TEST_DATABASE_URL $(VENV)/bin/python -m pytest -q -x $(XDIST) -m "not browser" $(PYTEST_ARGS)

# --- cleaning -----------------------------------------------------------------

# instance/ holds user data (database, stored files): only distclean removes it.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
	find erms classification retention exports tests migrations -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf instance
