# CarBridge: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install requirements.txt first, so a fresh machine
# needs nothing but Python 3.11.

PYTHON ?= python3
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
run: export DJANGO_DEBUG ?= true
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker beside the web server."; \
		$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:8000; \
	else \
		$(PY) manage.py runserver 127.0.0.1:8000; \
	fi

worker: export DJANGO_DEBUG ?= true
worker: $(STAMP)
	$(BIN)/celery -A config worker --beat --loglevel=INFO

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
	$(PY) manage.py makemessages -l zh_Hans -l ru --no-obsolete \
		--ignore='.venv/*' --ignore='static/vendor/*' --ignore='tests/*' --ignore='bench/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
