# Kaffeklub: `make run` sets everything up and serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: install run test lint translations extract-messages migrate seed reset-demo bench clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel -q compile -d app/translations

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

# Fresh demo data: drops the SQLite development database (instance/kaffeklub.db), migrates and
# seeds again; keeps .venv. It refuses when DATABASE_URL (environment or .env) names another database.
reset-demo: install
	@if [ -n "$${DATABASE_URL:-$$(grep -s '^DATABASE_URL=' .env | cut -d= -f2-)}" ]; then \
		echo "reset-demo only resets the SQLite development database; DATABASE_URL is set." >&2; exit 1; fi
	rm -f instance/kaffeklub.db
	$(MAKE) --no-print-directory seed

run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: translations seed
	@echo
	@echo "  Kaffeklub:      http://127.0.0.1:$(PORT)/"
	@echo "  Captured mail:  http://127.0.0.1:$(PORT)/dev/mail"
	@echo "  Log in as the demo admin (link valid 15 minutes, single use; 'make run' prints a new one):"
	@echo "    $$($(BIN)/flask login-link --demo-admin)"
	@echo
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Two pytest-xdist workers (each with its own SQLite file, PostgreSQL database, SMTP and live-server
# ports); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
test: translations
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: translations
	$(BIN)/python -m bench
	$(BIN)/python -m bench.directory

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
