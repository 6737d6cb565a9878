# Every target sets up what it needs: .venv is rebuilt from requirements.lock (the pinned versions
# CI tests) and an editable install of the project whenever it is missing or older than the lock
# or pyproject.toml, so a fresh machine needs nothing but Python.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# What the lock takes over a package's own declaration (see the file), and what `pip check` may
# say (each override's complaint): any other line of it is printed and fails the build. The lock
# holds every dependency, so it installs with --no-deps (pip would refuse an overridden pin).
OVERRIDES := lock-overrides.txt
OVERRIDDEN := pip-check-expected.txt
# The tools that build the venv and the lock, pinned so every machine runs the same ones.
PIP_VERSION := 26.3
UV_VERSION := 0.13.9
UV := $(VENV)/.lock-tool/bin/uv
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release pyproject.toml allows.
LOCK_ARGS ?=

.PHONY: run test lint typecheck pytest check-rules bench lock clean

$(STAMP): pyproject.toml $(LOCK) $(OVERRIDDEN)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'pip==$(PIP_VERSION)'
	$(BIN)/python -m pip install --quiet --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	! $(BIN)/python -m pip check | grep -v -E -f $(OVERRIDDEN)
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/orderflow run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

# The shipped rule files keep their promises: `orderflow check` explores each one's machine.
check-rules: $(STAMP)
	$(BIN)/orderflow check rules/*.yaml

test: lint typecheck pytest check-rules

bench: $(STAMP)
	$(BIN)/python -m bench

# Re-resolve requirements.lock from pyproject.toml, keeping the pins that still fit: for Python
# 3.11 and newer on every platform, with the extras the tests need. uv reads PyPI only (it ignores
# pip's configuration, so a machine's extra indexes and wheel folders never reach the lock).
# An unchanged lock keeps its date, so it does not rebuild .venv.
lock:
	test -x $(UV) || ($(PYTHON) -m venv $(VENV)/.lock-tool && \
		$(VENV)/.lock-tool/bin/python -m pip install --quiet 'uv==$(UV_VERSION)')
	test ! -f $(LOCK) || cp $(LOCK) $(LOCK).new
	$(UV) pip compile pyproject.toml --universal --python-version 3.11 \
		--extra dev --extra postgres --extra dask --generate-hashes \
		--custom-compile-command 'make lock' --quiet --override $(OVERRIDES) \
		--output-file $(LOCK).new $(LOCK_ARGS) || { rm -f $(LOCK).new; exit 1; }
	if cmp -s $(LOCK).new $(LOCK); then rm $(LOCK).new; else mv $(LOCK).new $(LOCK); fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
