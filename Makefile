# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: venv spelling demo test test-dates test-postgres test-long bench bench-quick lint browser clean

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
	$(PY) -m pytest -q -m "not long" $(PYTEST_ARGS)

# The suite (SQLite) replayed at fixed moments that broke date-bound tests before: a Monday, a
# Tuesday 18:40 in Moscow, a Saturday, a month's last day late at night, and the autumn DST change
# in a zone that has one. Each moment is `TZ@TEST_NOW`; the first failing moment stops the run.
TEST_MOMENTS ?= Europe/Moscow@2026-12-07T10:00:00+03:00 Europe/Moscow@2026-12-08T18:40:00+03:00 \
  Europe/Moscow@2026-12-05T12:00:00+03:00 Europe/Moscow@2026-11-30T23:30:00+03:00 \
  Europe/Berlin@2026-10-25T02:30:00+01:00
test-dates: venv browser spelling
	@set -e; for moment in $(TEST_MOMENTS); do \
	  tz=$${moment%%@*}; now=$${moment#*@}; echo "== make test at $$now ($$tz)"; \
	  TZ=$$tz TEST_NOW=$$now $(PY) -m pytest -q -p no:cacheprovider -m "not long" $(PYTEST_ARGS) \
	    || { echo "ERROR: the suite fails at $$now ($$tz)"; exit 1; }; done

test-postgres: venv browser spelling
	@$(PY) -m tests.pg_check "$(TEST_DATABASE_URL)"
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -q -m "not long" $(PYTEST_ARGS)

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

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance out .pytest_cache
