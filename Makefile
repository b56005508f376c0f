# Grassroots: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/grassroots
PYTEST_WORKERS ?= 2

.PHONY: run test test-pg lint browser-deps bench fuzz load messages check-deploy clean report-image \
	citus citus-up citus-down test-citus bench-citus

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

## Serve the county demo on SQLite at http://127.0.0.1:8000 (demo data is loaded only into an empty database).
run: $(INSTALLED)
	$(BIN)/grassroots migrate --verbosity 0
	GRASSROOTS_DEMO=1 $(BIN)/grassroots demo --scale county --if-empty
	GRASSROOTS_DEMO=1 $(BIN)/grassroots serve

## Lint, migrations check, and the whole test suite (browser tests included) on SQLite.
test: $(INSTALLED) browser-deps lint
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

## The same suite against PostgreSQL (PG_URL; the test database is created and dropped).
test-pg: $(INSTALLED) browser-deps
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q

## Lint, and the floors of docs/architecture.md: no import runs up a floor, no loop ([tool.importlinter]).
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

## Debian's Chromium for the browser tests (Playwright drives the machine's binary; nothing is downloaded),
## a Chinese font for its pages, and GNU gettext for the catalogue tests.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . && command -v xgettext >/dev/null 2>&1; } || { \
	  echo "Installing Debian's chromium, a Chinese font and gettext for the tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei gettext >/dev/null; }

## Benchmarks: data generation and timings, DEBUG off, medians of 5 samples with their spread (README, Performance).
## Bounded by: BENCH_SCALE=county|city|province (default province), BENCH_ONLY=duties,assessment,... (sections, comma-separated), BENCH_SAMPLES=5,
## BENCH_PG=0 (SQLite only), BENCH_TIMEOUT=3600 (seconds for each database's run). Then, where Citus is installed
## (make citus) and PostgreSQL answers, the same year copied into a cluster and assessed on both (make bench-citus;
## BENCH_CITUS=0 skips it).
bench: $(INSTALLED)
	$(BIN)/python -m bench
	@if [ "$(BENCH_CITUS)" = 0 ] || [ "$(BENCH_PG)" = 0 ]; then \
	  echo "== BENCH_CITUS=0 or BENCH_PG=0: the cluster's comparison is skipped"; \
	elif ! { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }; then \
	  echo "== no PostgreSQL at 127.0.0.1:5432: the cluster's comparison is skipped"; \
	elif [ -f "$$($(PG_BIN)/pg_config --pkglibdir)/citus.so" ]; then \
	  echo "== the same year on a Citus cluster against plain PostgreSQL (make bench-citus)"; \
	  $(MAKE) --no-print-directory bench-citus BENCH_SCALE=$(or $(BENCH_SCALE),province) BENCH_CITUS_FROM_BENCH=1; \
	else echo "== Citus is not installed (make citus): the cluster's comparison is skipped"; fi

## The picture of a period report in README (docs/report-page.png): page one of the demo branch's report, drawn by
## pypdfium2 from the PDF the reports app writes (run `make run` once first for the demo database).
report-image: $(INSTALLED)
	GRASSROOTS_DEMO=1 $(BIN)/python docs/report_image.py docs/report-page.png

## The whole API fuzzed from its schema as every role, 50 examples per operation and role (tests/core/test_api_fuzz.py;
## `make test` runs 2 examples as the administrator and one other role). FUZZ_STRICT=1 adds the checks that a
## request valid by the schema is accepted and an invalid one refused.
fuzz: $(INSTALLED)
	FUZZ_FULL=1 $(BIN)/pytest -n $(PYTEST_WORKERS) -q -p no:cacheprovider tests/core/test_api_fuzz.py

## A deadline day under load against gunicorn on 127.0.0.1 (bench/load.py): SQLite, then PostgreSQL when it answers.
load: $(INSTALLED)
	$(BIN)/python -m bench.load

## Recompile the translation catalogues after editing src/grassroots/locale/*/LC_MESSAGES/django.po.
messages: $(INSTALLED)
	cd src/grassroots && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=grassroots.config.settings --pythonpath=..
	cd src/grassroots && ../../$(BIN)/django-admin compilemessages --settings=grassroots.config.settings --pythonpath=..

check-deploy: $(INSTALLED)
	GRASSROOTS_PRODUCTION=1 GRASSROOTS_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) GRASSROOTS_ALLOWED_HOSTS=example.org \
	  GRASSROOTS_AUDIT_KEY=$$(head -c 48 /dev/urandom | base64) GRASSROOTS_REQUIRE_2FA=1 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

## Citus (distributed PostgreSQL, docs/citus.md). `make citus` builds and installs Citus $(CITUS_VERSION) into the machine's
## PostgreSQL $(PG_MAJOR) from CITUS_SRC (a folder with the source archive and its build patch, or an unpacked source
## tree; default ../shared/vendor/citus), skipped when installed; apt packages as root or through sudo.
## `make citus-up` / `citus-down` start and stop a coordinator and two workers on 127.0.0.1:9700-9702 (data under
## var/citus, run as the user postgres when started by root); `make test-citus` runs the database tests on the
## coordinator. The PostgreSQL already on the machine (5432) is never touched.
CITUS_VERSION := 13.2.2
PG_MAJOR ?= 15
PG_BIN ?= /usr/lib/postgresql/$(PG_MAJOR)/bin
CITUS_SRC ?= $(firstword $(wildcard ../shared/vendor/citus ../../shared/vendor/citus))
CITUS_DIR := $(CURDIR)/var/citus
CITUS_PORTS := 9700 9701 9702
CITUS_URL ?= postgres://postgres@127.0.0.1:$(firstword $(CITUS_PORTS))/grassroots
# The plan and the parity with plain PostgreSQL, two app processes behind one port, the assessment's database tests,
# the data completeness, the dashboards, the public pages, the audit chains, and the database tests of duties,
# organizational life and accountability, and the copy detectors' index (its bands distributed); any others by
# CITUS_TESTS="tests/..." (tests/organizations, tests/reports, tests/insights and the rest of tests/site and
# tests/core pass but would take the run past its half hour; tests/demo's county builds were not run there:
# docs/citus.md). A migration test that migrates
# backwards is left out: Citus refuses ADD COLUMN with an unnamed CHECK on a distributed or reference table.
## Left out on the cluster: a migration run backwards (Citus refuses a column with an unnamed check).
CITUS_TESTS ?= tests/distributed tests/assessment tests/site/test_completeness.py \
  tests/site/test_dashboards.py tests/site/test_dashboards_charts.py tests/disclosure \
  tests/core/test_audit.py tests/core/test_audit_key.py tests/core/test_audit_chains.py \
  tests/duties tests/orglife tests/accountability tests/insights/formalism/test_index.py \
  --deselect tests/assessment/test_engine.py::test_the_values_move_between_rows_and_sheets_with_the_migration

citus:
	@CITUS_VERSION=$(CITUS_VERSION) PG_MAJOR=$(PG_MAJOR) PG_BIN=$(PG_BIN) CITUS_SRC="$(CITUS_SRC)" \
	  CITUS_DIR=$(CITUS_DIR) bash scripts/citus.sh build

citus-up: citus
	@PG_BIN=$(PG_BIN) CITUS_DIR=$(CITUS_DIR) CITUS_PORTS="$(CITUS_PORTS)" bash scripts/citus.sh up

citus-down:
	@PG_BIN=$(PG_BIN) CITUS_DIR=$(CITUS_DIR) CITUS_PORTS="$(CITUS_PORTS)" bash scripts/citus.sh down

## The same demo year (BENCH_SCALE, default county) on the cluster and on the machine's PostgreSQL: the assessment
## timed on both, by stage, and its results compared organization by organization (bench/citus.py).
bench-citus: $(INSTALLED) citus-up
	CITUS_PORTS="$(CITUS_PORTS)" $(BIN)/python -m bench.citus --scale $(or $(BENCH_SCALE),county) \
	  $(if $(BENCH_CITUS_FROM),--from $(BENCH_CITUS_FROM)) $(if $(BENCH_CITUS_FROM_BENCH),--from-bench)

# CITUS_WORKERS test processes (pytest-xdist), each on its own database of the cluster (test_grassroots_gw0, ...);
# 0 (the default): one process on test_grassroots. Each process builds the shelved fixtures again (docs/citus.md).
CITUS_WORKERS ?= 0
CITUS_TEST_DBS = $(if $(filter 0,$(CITUS_WORKERS)),test_grassroots,\
  $(addprefix test_grassroots_gw,$(shell seq 0 $$(($(CITUS_WORKERS) - 1)))))

test-citus: $(INSTALLED) citus-up
	@for db in $(CITUS_TEST_DBS); do \
	  PG_BIN=$(PG_BIN) CITUS_DIR=$(CITUS_DIR) CITUS_PORTS="$(CITUS_PORTS)" bash scripts/citus.sh fresh $$db || exit 1; \
	done
	DATABASE_URL=$(CITUS_URL) CITUS_PORTS="$(CITUS_PORTS)" \
	  $(BIN)/pytest -n $(CITUS_WORKERS) -q -p no:cacheprovider --reuse-db $(CITUS_TESTS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
