# hub: two commands do everything on a fresh Debian/Ubuntu machine with Python 3.11+:
#   make run    install what is needed, load demo data and serve the hub
#   make test   install what is needed and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HUB_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint check i18n audit clean venv deps test-deps bench

# Links in e-mails point at this address. Ctrl-C stops the hub cleanly: it exits 0, so make
# reports no error.
run: export HUB_BASE_URL ?= http://$(HOST):$(PORT)
run: deps
	$(BIN)/hub migrate
	$(BIN)/hub seed --demo
	@echo ""
	@echo "Open http://$(HOST):$(PORT)/ and sign in with admin@demo.skgo.test / demo-lozinka"
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

# One pytest worker per core (pytest-xdist), whole files per worker so a file's live server is
# started once; each worker has its own databases (tests/conftest.py), up to 4 workers.
# TEST_JOBS=0 runs the suite in one process.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
test: test-deps
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile $(PYTEST_ARGS)

lint: test-deps
	$(BIN)/ruff check hub realtime workers tests bench scripts
	$(BIN)/ruff format --check hub realtime workers tests bench scripts
	$(BIN)/mypy
	$(BIN)/python -m hub.i18n.build --check
	$(BIN)/python -m scripts.layers

check: lint test

i18n: test-deps
	$(BIN)/python -m hub.i18n.build

audit: test-deps
	$(BIN)/pip-audit --skip-editable

bench: test-deps
	$(BIN)/python -m bench

venv: $(BIN)/python

$(BIN)/python:
	@scripts/ensure-system-packages venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

deps: $(VENV)/.deps-run
	@scripts/ensure-system-packages pango

$(VENV)/.deps-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

test-deps: $(VENV)/.deps-test
	@scripts/ensure-system-packages pango
	@scripts/ensure-system-packages chromium

$(VENV)/.deps-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.deps-run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
