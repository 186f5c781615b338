# estate: every target sets up .venv on first use (and again when pyproject.toml changes).
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTHON  ?= python3
OUT     ?= build
ENV     ?= prod

.PHONY: setup demo test lint typecheck unit bench golden clean browser

$(STAMP): pyproject.toml
	@test -x $(PY) || { echo "first install: creating .venv and installing estate and its dependencies (about 2 minutes)..."; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)
	@echo "ready: '. .venv/bin/activate' puts 'estate' on your PATH (or run .venv/bin/estate)"

setup: $(STAMP)

# then the dev hub routers, from the dev stack's outputs as the offline plan declares them (a
# deployed stack: `pulumi stack output --json --show-secrets > FILE` instead)
demo: $(STAMP)
	@$(PY) -m estate.cli.demo --out $(OUT)
	@echo; echo "==> the dev hub routers, joined to the dev stack's (offline) outputs"
	$(PY) -m estate.cli.main plan --env dev --outputs $(OUT)/dev-stack-outputs.json > /dev/null
	$(PY) -m estate.cli.main render --env dev --out $(OUT) --stack-outputs $(OUT)/dev-stack-outputs.json

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# two workers: the end-to-end and stack tests spend most of their time waiting (SSH, revert
# timers, the mocks); each test file runs whole on one worker, so its module fixtures are shared
unit: $(STAMP) browser
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# the HTML report's browser test drives Debian's chromium (never a browser build downloaded by
# `playwright install`); playwright itself comes with the test extras
browser: $(STAMP)
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install --quiet --disable-pip-version-check playwright

bench: $(STAMP)
	@$(PY) benchmarks/run_all.py

# device configs (adds and drops files as the golden set changes), then every other golden file
golden: $(STAMP)
	$(PY) -m tests.render.regenerate
	$(VENV)/bin/pytest -q --update-goldens tests/inventory tests/review tests/ticket tests/docs tests/contact tests/site tests/change

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
