# Two commands for a fresh machine:
#   make run    set everything up and serve the app at http://127.0.0.1:8000 (SQLite, demo data)
#   make test   set everything up and run the whole test suite
.PHONY: run test setup venv assets messages static db demo makemessages lint bench serve clean

VENV := .venv
PY := $(VENV)/bin/python
# The first Python >= 3.12 found: python3.13, python3.12, pyenv's 3.13/3.12, then python3.
FIND_PYTHON := for c in python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[3-9]*/bin/python 2>/dev/null | sort -rV) \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python 2>/dev/null | sort -rV) \
	python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v $$c; exit 0; fi; done; exit 1

# The demo's coordinators and admin log in with the password alone (two-step verification stays
# optional, under My account); CAMPAIGN_TWO_FACTOR_REQUIRED=1 make run tries the real rule.
run: setup demo
	CAMPAIGN_TWO_FACTOR_REQUIRED=$${CAMPAIGN_TWO_FACTOR_REQUIRED:-0} \
	CAMPAIGN_SUPERVISE_EVERY=$${CAMPAIGN_SUPERVISE_EVERY:-60} deploy/with-background $(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: venv assets messages static

# Collected under the production settings (hashed names and their manifest), so that
# DJANGO_DEBUG=0 works straight after `make run`; the debug server serves the same files.
static: venv assets
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only $(PY) manage.py collectstatic --noinput -v0

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@PYTHON=$$($(FIND_PYTHON)) || { \
	  echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.13' or your system's python3.13 package) and run make again." >&2; \
	  exit 1; }; \
	echo "Using $$PYTHON"; \
	[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { rm -rf $(VENV); $$PYTHON -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to install the front-end assets (apt-get install npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund

messages: venv
	@command -v msgfmt >/dev/null || { echo "msgfmt is needed to compile translations (apt-get install gettext)." >&2; exit 1; }
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v0

db: venv
	$(PY) manage.py migrate --noinput -v0

demo: db
	$(PY) manage.py seed_demo

# Refresh the message catalogue after changing user-facing strings.
makemessages: venv
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --no-obsolete

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy campaign inspections integrations

# The production start (README, "Deploy on an intranet server"): settings from ENV_FILE.
ENV_FILE ?= deploy/campaign.env
serve: venv assets
	@[ -f "$(ENV_FILE)" ] || { echo "No $(ENV_FILE): copy deploy/campaign.env.example to it and fill it in." >&2; exit 1; }
	set -a; . "$$(realpath $(ENV_FILE))"; set +a; exec deploy/serve

bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3*
