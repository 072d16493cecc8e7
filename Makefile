# smgov: `make run` sets up and starts everything; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Two xdist workers, each with its own test database, Redis database and media folder (tests/settings.py);
# loadgroup keeps the reliability tests (one xdist group) on one worker. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: run test bench lint services stop-services venv clean-data messages

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "smgov needs Python 3.11 or newer")'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: apt-get install -y python3-venv"; exit 1; }
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[dev]"
	@touch $@

venv: $(VENV)/.installed

services:
	@scripts/services.sh start

stop-services:
	@scripts/services.sh stop

run: venv
	@scripts/run.sh

test: venv services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# One line per benchmark (`<name>: <value> | baseline <name>: <value> | ratio <r>`), also written to
# bench/results.json; `make bench QUICK=1` runs small versions (a few minutes).
bench: venv services
	$(PY) -m bench $(if $(QUICK),--quick)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The compiled catalogue (django.mo) is committed, so only this target needs gettext's msgfmt.
messages: venv
	@command -v msgfmt >/dev/null || { echo "make messages needs gettext: apt-get install -y gettext"; exit 1; }
	$(PY) manage.py makemessages -l sv --no-location --ignore=.venv --ignore=tests --ignore=.var
	$(PY) manage.py compilemessages -l sv --ignore=.venv
