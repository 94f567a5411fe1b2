# realpolitik — two commands: `make demo` and `make test`. Targets create .venv and install into it on demand.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test test-reference lint format bench lock clean

# Debian's Chromium for the browser tests (Playwright cannot download a browser of its own here):
# `apt-get install chromium`, about 35 s and 290 MB, as root or through sudo.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip

# Runtime + test + web extras, pinned by the lock file (used as constraints).
$(VENV)/.stamp-install: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP) install -c $(LOCK) -e '.[test,web]'
	@touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need Chromium at $(CHROMIUM)"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# Ends by writing the HTML report (realpolitik-demo-report.html) and printing its path.
demo: $(VENV)/.stamp-install
	COLUMNS=110 $(BIN)/realpolitik demo

# The ray extra for the tests (local vs Ray bit identity) and the ensemble bench: about 12 s and
# 285 MB on a fresh machine.
$(VENV)/.stamp-ray: $(VENV)/.stamp-install
	$(PIP) install -c $(LOCK) -e '.[test,web,ray]'
	@touch $@

test: $(VENV)/.stamp-ray $(CHROMIUM)
	$(BIN)/python -m pytest -q -m "not reference"

# The reference extra: pygambit 16.7.0, which builds from source (about 6 minutes on a fresh machine).
$(VENV)/.stamp-reference: $(VENV)/.stamp-install
	$(PIP) install -c $(LOCK) -e '.[test,web,reference]'
	@touch $@

# Live comparison against pygambit.
test-reference: $(VENV)/.stamp-reference
	$(BIN)/python -m pytest -q -m reference

lint: $(VENV)/.stamp-install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

format: $(VENV)/.stamp-install
	$(BIN)/ruff check --fix src tests bench tools
	$(BIN)/ruff format src tests bench tools

# Every bench, each measuring its ratio in this run (bench/choice.py times pygambit: the reference
# extra; bench/ensemble.py times Ray: the ray extra).
bench: $(VENV)/.stamp-reference $(VENV)/.stamp-ray
	@set -e; for f in bench/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f; done

# Re-resolve the pinned versions (run after changing dependencies in pyproject.toml).
lock: | $(BIN)/python
	$(PIP) install -e '.[test,web,ray]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > $(LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
