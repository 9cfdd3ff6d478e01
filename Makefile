# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
STAMP_NODE := node_modules/.installed

.PHONY: run test lint typecheck check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

# The page's linter and unit-test tools (devDependencies only; nothing from npm is served).
$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: $(STAMP_RUN)  ## set up and start the server on http://$${HOST:-127.0.0.1}:$${PORT:-5000}
	exec $(BIN)/interviewsim serve

test: $(STAMP_DEV) $(STAMP_NODE)  ## set up with dev extras and run the whole suite
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	npx --no-install eslint src/interviewsim/web tests/web
	node --test tests/web/
	$(BIN)/python -m pytest

lint: $(STAMP_DEV) $(STAMP_NODE)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	npx --no-install eslint src/interviewsim/web tests/web

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

bench: $(STAMP_DEV)  ## benchmark against local fake vendors (see bench/README.md)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.speech
	$(BIN)/python -m bench.live_voice
	$(BIN)/python -m bench.live_voice_vendors

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules
