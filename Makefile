# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
# pytest-xdist processes. Most of a test's time is spent waiting (the portal's rate limiter,
# HTTP round trips on loopback, Chromium), so more workers than cores still helps.
TEST_WORKERS ?= 8
XDIST := -n $(TEST_WORKERS)

PYBABEL := $(VENV)/bin/pybabel

.PHONY: i18n-extract i18n-update i18n-compile venv spelling demo test test-dates test-postgres test-long test-pbx pbx-tools bench bench-quick lint browser clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Debian's Chromium drives the page tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the page tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || { echo "ERROR: chromium is required for the page tests (apt-get install chromium)"; exit 1; }; }

# Debian's Kamailio (http_client is in kamailio-utils-modules, jansson in kamailio-extra-modules)
# and SIPp (sip-tester) for the real-PBX routing test (tests/e2e/test_pbx_kamailio.py).
PBX_MODULES := /usr/lib/x86_64-linux-gnu/kamailio/modules
pbx-tools:
	@command -v kamailio >/dev/null 2>&1 && command -v sipp >/dev/null 2>&1 \
	  && test -f $(PBX_MODULES)/http_client.so && test -f $(PBX_MODULES)/jansson.so || { \
	  echo "installing Debian kamailio and sip-tester for the PBX test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kamailio \
	    kamailio-utils-modules kamailio-extra-modules sip-tester) \
	  || { echo "ERROR: kamailio, kamailio-utils-modules, kamailio-extra-modules and sip-tester"\
	       "are required for the PBX test (apt-get install them)"; exit 1; }; }

# Debian's Russian Hunspell dictionary and libenchant-2 for the spelling check (pyenchant).
spelling:
	@test -f /usr/share/hunspell/ru_RU.dic && ldconfig -p | grep -q libenchant-2 || { \
	  echo "installing Debian hunspell-ru and libenchant-2-2 for the spelling check"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hunspell-ru \
	    libenchant-2-2) \
	  || { echo "ERROR: hunspell-ru and libenchant-2-2 are required (apt-get install them)"; \
	       exit 1; }; }

demo: venv browser spelling
	$(PY) -m demo

# `long` tests (over ~20 s: the multi-process and database-restart faults) run in test-long.
test: venv browser spelling
	$(PY) -m pytest -q -m "not long and not pbx" $(XDIST) $(PYTEST_ARGS)

# A real SIP server routes real calls through the app (Kamailio + SIPp phones on loopback).
test-pbx: venv pbx-tools
	$(PY) -m pytest -q -p no:cacheprovider -m pbx $(PYTEST_ARGS)

# The suite (SQLite) replayed at fixed moments that broke date-bound tests before: a Monday, a
# Tuesday 18:40 in Moscow, a month's last day late at night, and the autumn DST change in a zone
# that has one, which falls on a Sunday (the weekend's moment: a separate Saturday replay made CI
# 30 minutes long). Each moment is `TZ@TEST_NOW`; the first failing moment stops the run.
# Left out of the replays (they run once, in `make test`): the tests of transport and faults,
# whose outcome does not depend on the day or the hour — the REST client, the task engine,
# forged and malformed requests, injected faults, migrations, exactly-once delivery, install,
# the first sync and the benchmark table.
DATES_IGNORE ?= tests/faults tests/abuse tests/test_migrations.py tests/unit/b24 tests/unit/tasks \
  tests/unit/test_bench_table.py tests/e2e/test_exactly_once.py tests/e2e/test_exactly_once_adds.py \
  tests/e2e/test_resilience.py tests/e2e/test_event_budget.py tests/e2e/test_install.py \
  tests/e2e/test_first_sync.py tests/e2e/test_sandbox_core.py
# The first moment, a Monday 10:00 in Moscow, is `make test-postgres`'s (PG_MOMENT), so that CI
# replays it once, on PostgreSQL, and stays under 30 minutes.
PG_MOMENT ?= Europe/Moscow@2026-12-07T10:00:00+03:00
TEST_MOMENTS ?= Europe/Moscow@2026-12-08T18:40:00+03:00 \
  Europe/Moscow@2026-11-30T23:30:00+03:00 Europe/Berlin@2026-10-25T02:30:00+01:00
test-dates: venv browser spelling
	@set -e; for moment in $(TEST_MOMENTS); do \
	  tz=$${moment%%@*}; now=$${moment#*@}; echo "== make test at $$now ($$tz)"; \
	  TZ=$$tz TEST_NOW=$$now $(PY) -m pytest -q -p no:cacheprovider -m "not long and not pbx" \
	    $(XDIST) $(addprefix --ignore=,$(DATES_IGNORE)) $(PYTEST_ARGS) \
	    || { echo "ERROR: the suite fails at $$now ($$tz)"; exit 1; }; done

test-postgres: venv browser spelling
	@$(PY) -m tests.pg_check "$(TEST_DATABASE_URL)"
	TZ=$(firstword $(subst @, ,$(PG_MOMENT))) TEST_NOW=$(lastword $(subst @, ,$(PG_MOMENT))) \
	  TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -q -m "not long and not pbx" \
	  $(XDIST) $(PYTEST_ARGS)

# The long fault tests, on PostgreSQL (they start web/worker processes and a private cluster).
test-long: venv
	@$(PY) -m tests.pg_check "$(TEST_DATABASE_URL)"
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -q -m long $(PYTEST_ARGS)

# A benchmark over 30 min is stopped and shown as ERROR, so the table always comes out.
bench: venv spelling
	$(PY) -m bench --timeout 1800

# The same table at smoke sizes (a minute or two): shows every benchmark still runs.
bench-quick: venv spelling
	$(PY) -m bench --quick

# Page texts: translations/{ru,en}/LC_MESSAGES/messages.po are the source, msgid = the key
# (pages/i18n.py). To add a text: add the entry to both .po files, then `make i18n-compile`. The
# compiled .mo files are committed, so a checkout runs (tests, gunicorn, demo) with no build
# step; tests/unit/test_i18n_catalogs.py fails when a .mo is not what its .po compiles to.

# The keys the code names literally (k.t with a literal) into translations/extracted.pot.
i18n-extract: venv
	PYTHONPATH=. $(PYBABEL) extract -F babel.cfg -k t --no-location --sort-output \
	  -o translations/extracted.pot .

# Keys new in the code land in both catalogs empty (the catalog test then names them). The
# template is extracted.pot plus every key the ru catalog holds: keys built at run time
# (f"err.{key}") are invisible to extract and would otherwise be made obsolete.
i18n-update: i18n-extract
	$(PY) -m tools.i18n_extract
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --width 100 --ignore-pot-creation-date

# Two domains: `messages` (the pages) and `portal` (what the app writes into Bitrix24:
# handlers/catalog.py; tests/unit/test_portal_catalog.py checks its .mo the same way).
i18n-compile: venv
	$(PYBABEL) compile -d translations --statistics
	$(PYBABEL) compile -d translations -D portal --statistics

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance out .pytest_cache
