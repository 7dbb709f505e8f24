# CarBridge: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install requirements.txt first, so a fresh machine
# needs nothing but Python 3.11.

PYTHON ?= python3
# Where `make run` serves the demo.
ADDRESS ?= 127.0.0.1:8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages install worker browser clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# DJANGO_DEBUG is on for the local demo only; production sets its own variables.
# The demo logins and the address come last, so they are on screen when the
# server is up: migrate and the worker stay quiet unless something goes wrong
# (`make worker` runs a worker that logs every task), and runserver's own
# production warning is left out (the README says how to run in production).
run: export DJANGO_DEBUG ?= true
run: export DJANGO_RUNSERVER_HIDE_WARNING ?= true
run: $(STAMP)
	@echo "Preparing the database and the demo fair..."
	@$(PY) manage.py migrate --noinput --verbosity 0
	@$(PY) manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: a Celery worker runs beside the web server (warnings only)."; \
		$(BIN)/celery -A config --quiet worker --beat --loglevel=WARNING --concurrency=2 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		echo "CarBridge: http://$(ADDRESS)/ (Ctrl-C stops it)"; \
		$(PY) manage.py runserver $(ADDRESS); \
	else \
		echo "CarBridge: http://$(ADDRESS)/ (Ctrl-C stops it)"; \
		$(PY) manage.py runserver $(ADDRESS); \
	fi

worker: export DJANGO_DEBUG ?= true
worker: $(STAMP)
	$(BIN)/celery -A config worker --beat --loglevel=INFO

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)
	@# With PostgreSQL configured the races above ran there; run them on the
	@# embedded SQLite too, which is what `make run` serves without configuration.
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "The concurrency tests again, on SQLite:"; \
		DATABASE_URL= $(BIN)/pytest -q -k sqlite tests/matchmaking/test_concurrency.py \
			tests/deals/test_concurrency.py tests/events/test_concurrency.py tests/config/test_middleware.py; \
	fi

# Style, the import order between apps (pyproject's import contracts) and types.
lint: export DJANGO_DEBUG ?= true
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings $(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Headless Chromium (and CJK fonts for screenshots) for the browser tests, from
# Debian's packages; needs root. Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@chromium --version 2>/dev/null

# Refresh the translation catalogues after changing user-facing strings.
messages: export DJANGO_DEBUG ?= true
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l ru -l fa -l ar -l vi -l es --no-obsolete \
		--ignore='.venv/*' --ignore='static/vendor/*' --ignore='tests/*' --ignore='bench/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
