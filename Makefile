# make run    the portal with everything it needs (embedded PostgreSQL and Redis unless
#             DATABASE_URL / REDIS_URL are set); prints the address and how to sign in
# make test   the test suite; pytest options: make test PYTEST_ARGS="-x -k login"
# make lint   ruff
# make venv   only create .venv and install the packages
# make lock   rewrite requirements/*.txt after a dependency change in pyproject.toml
# A fresh clone needs nothing but python3 (3.11 or newer).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint venv install lock

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

# Reinstalled whenever the lock file changes: the exact versions and hashes of requirements/dev.txt (the
# portal's packages, the test and lint tools, what the launcher in devtools/ needs), then the portal itself
# (editable, no dependencies of its own to resolve); devtools/ is imported from the checkout. pip's own
# output is the progress report: one "Collecting" line per package and a bar per download.
$(STAMP): pyproject.toml requirements/dev.txt | $(PY)
	@echo "Installing Python packages from requirements/dev.txt (the first run downloads about 200 MB)..."
	@$(PY) -m pip install --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@echo "Python packages installed."
	@touch $(STAMP)

# After a change to the dependencies in pyproject.toml: both lock files, for every platform and Python
# from 3.11 (uv's universal resolution), with the hashes of every file of each pinned version.
# `make lock UPGRADE=1` also moves every package to the newest version the ranges allow.
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet \
	$(if $(UPGRADE),--upgrade,)
lock: $(STAMP)
	$(UV_COMPILE) --extra dev --extra devtools -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/runtime.txt
