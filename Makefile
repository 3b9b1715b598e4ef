# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install translations lint types pytest e2e messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(PY) manage.py compile_translations

demo: install translations
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	@echo "Serving the demo town at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py worker --interval 2 & $(PY) manage.py runserver --noreload $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

types: install
	$(VENV)/bin/mypy

pytest: install translations
	scripts/ensure-chromium
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test: lint types pytest

# For developers: refresh the catalogues from the source (needs GNU gettext).
messages: install
	cd src/trustbridge && ../../$(PY) ../../manage.py makemessages --all --no-obsolete --ignore "*/migrations/*"

clean:
	rm -rf $(VENV) var
