# servicedesk — every target installs what it needs first (a fresh machine needs only Python 3.11+ and make).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run chat test soak lint format bench clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# Regenerate the lock after changing dependencies in pyproject.toml (needs uv in the venv).
lock:
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal -p 3.11 -o requirements.lock

run: install
	$(BIN)/servicedesk db upgrade
	$(BIN)/servicedesk serve

chat: install
	$(BIN)/servicedesk db upgrade
	$(BIN)/servicedesk chat

test: install
	$(BIN)/pytest -q -p no:cacheprovider

# The long load, crash and fault suites (minutes each); see README "Reliability".
soak: install
	SOAK=1 $(BIN)/pytest -q -p no:cacheprovider -m soak

lint: install
	$(BIN)/ruff check bot core storage locales tests benchmarks
	$(BIN)/mypy bot core storage locales tests
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix bot core storage locales tests benchmarks
	$(BIN)/ruff format bot core storage locales tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_matcher.py
	$(BIN)/python benchmarks/bench_webhook.py --postgres auto --profile
	$(BIN)/python benchmarks/bench_sweeps.py --postgres auto
	$(BIN)/python benchmarks/bench_outbox_relay.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/tables.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
