# The two commands: `make run` (the whole system) and `make test` (the whole suite).
# Both bootstrap everything on a fresh clone: venv, dependencies, database, migrations.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint fuzz bench bench-seed install migrate clean browser pdfsig i18n

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	@$(VENV)/bin/countersign run

# The suite runs in PYTEST_WORKERS processes (pytest-xdist; each its own database and AMQP
# namespace): most tests wait on the network, so 3 on 2 cores halves the wall clock. 0: one process.
# Fewer when PostgreSQL's max_connections cannot hold them (services/devstack/suite_workers.py).
PYTEST_WORKERS ?= 3

# Before the run: what killed runs left on the broker and in PostgreSQL goes (never a live run's
# names, nor `make run`'s): docs/running.md, "Test namespaces".
test: install browser pdfsig
	@$(VENV)/bin/countersign infra --start --clean-test-namespaces
	@W=$$($(VENV)/bin/countersign infra --test-workers $(PYTEST_WORKERS)) && \
	  $(PY) -m pytest -q -n $$W $(PYTEST_ARGS)

# Messages to translate: extract every surface's msgids into shared/locale/<domain>.pot and merge
# them into each language's .po (new ones empty, changed ones fuzzy: the catalogue test then
# names what a translator must do). docs/languages.md.
LOCALE  := shared/locale
i18n: install
	@for domain in page emails pdf; do \
	  $(VENV)/bin/pybabel -q extract -F $(LOCALE)/$$domain.cfg -k t -c Translators: --no-location --sort-output \
	    --omit-header -o $(LOCALE)/$$domain.pot . && \
	  for lang in de fr es pt; do \
	    test -f $(LOCALE)/$$lang/LC_MESSAGES/$$domain.po || \
	      $(VENV)/bin/pybabel -q init -D $$domain -i $(LOCALE)/$$domain.pot -d $(LOCALE) -l $$lang; \
	    $(VENV)/bin/pybabel -q update -D $$domain -i $(LOCALE)/$$domain.pot -d $(LOCALE) -l $$lang \
	      --no-wrap --ignore-obsolete && \
	    sed -i '/^"POT-Creation-Date: /d' $(LOCALE)/$$lang/LC_MESSAGES/$$domain.po; \
	  done; \
	done

# The habits CI enforces before the tests (settings in pyproject.toml): lint and import order,
# formatting, types.
lint: install
	@$(VENV)/bin/ruff check
	@$(VENV)/bin/ruff format --check
	@$(VENV)/bin/mypy

# A long schemathesis run with a fresh seed (the suite runs a short one with a fixed seed).
fuzz: install
	@$(VENV)/bin/countersign infra --start
	@COUNTERSIGN_FUZZ_EXAMPLES=$${COUNTERSIGN_FUZZ_EXAMPLES:-400} COUNTERSIGN_FUZZ_SEED=$${COUNTERSIGN_FUZZ_SEED:-random} \
	  $(PY) -m pytest -q tests/e2e/test_fuzz_api.py

# The signing-page tests drive Debian's Chromium through Playwright (never a browser download),
# and check every state of the page with axe-core, a pinned version from the npm registry
# (tests/e2e/axe.py injects var/axe/node_modules/axe-core/axe.min.js; nothing is committed).
AXE_VERSION := 4.14.1
AXE_STAMP   := var/axe/.installed-$(AXE_VERSION)

browser: $(AXE_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq chromium >/dev/null; }

$(AXE_STAMP):
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm for axe-core"; \
	  S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq npm >/dev/null; }
	@mkdir -p var/axe
	@npm install --prefix var/axe --no-save --no-audit --no-fund --ignore-scripts axe-core@$(AXE_VERSION) >/dev/null
	@test -f var/axe/node_modules/axe-core/axe.min.js && touch $@

# The seal tests ask poppler's pdfsig (an implementation independent of ours) about sealed PDFs.
pdfsig:
	@command -v pdfsig >/dev/null 2>&1 || { \
	  echo "installing Debian's poppler-utils for the seal tests"; \
	  S=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$S apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$S apt-get install -y -qq poppler-utils >/dev/null; }

migrate: install
	@$(VENV)/bin/countersign migrate

bench: install
	@$(PY) -m bench.run

# 1 M documents with signers in the benchmark organisation, by COPY (BENCH_SEED_SIZE; --reset
# through `$(PY) -m bench.seed --reset`): what bench's scale family lists. Resumable, idempotent.
bench-seed: install
	@$(VENV)/bin/countersign migrate
	@$(PY) -m bench.seed

clean:
	rm -rf $(VENV) var .pytest_cache
