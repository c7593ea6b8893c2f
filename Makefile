# make run    the portal with everything it needs (embedded PostgreSQL and Redis unless
#             DATABASE_URL / REDIS_URL are set); prints the address and how to sign in
# make test   the test suite; pytest options: make test PYTEST_ARGS="-x -k login"
# make lint   ruff
# make venv   only create .venv and install the packages
# A fresh clone needs nothing but python3 (3.11 or newer).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint venv install

# Plain commands, no shell: on Ctrl-C make then only waits for the launcher, which stops everything.
run: $(STAMP)
	$(PY) -m devtools.launcher run

test: $(STAMP)
	$(PY) -m devtools.launcher test $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

venv install: $(STAMP)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	@echo "Creating virtualenv in $(VENV)"
	@$(PYTHON) -m venv $(VENV)

# Reinstalled whenever pyproject.toml changes. The portal (editable) with the test and lint tools (dev)
# and what the launcher in devtools/ needs (devtools); devtools/ itself is imported from the checkout.
$(STAMP): pyproject.toml | $(PY)
	@echo "Installing Python packages (first run takes a minute)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,devtools]'
	@touch $(STAMP)
