# The two commands: `make run` serves the portal on the embedded default, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(PY) requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the browser accessibility tests, from the npm registry (package-lock.json); skipped without npm.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent || echo "npm ci failed: the axe-core tests will be skipped"; else echo "npm missing: the axe-core tests will be skipped"; fi

test: $(VENV)/.dev node_modules/.package-lock.json
	$(PY) -m pytest

# Style, and the layers of .importlinter (portal.family > accounts | billing > canteen > portal.lib; the
# project's files at portal's root above them all).
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Refresh the French and English catalogues after changing user-facing strings. Our msgids are French:
# msgen copies each into the French catalogue, so that French plural rules apply ("0 demande validée",
# where an untranslated ngettext would fall back to English rules and say "0 demandes"). A French entry
# that msgmerge guessed from a similar old one ("fuzzy") is emptied first, then copied from its msgid (the sed
# only clears the header's own fuzzy mark, in its first lines: any other would keep msgmerge's guess).
FRENCH_PO := locale/fr/LC_MESSAGES/django.po
messages: $(VENV)/.runtime
	$(PY) manage.py makemessages --locale fr --locale en --ignore '$(VENV)/*' --ignore 'bench/*' --ignore 'node_modules/*'
	sed -i '1,10{/^#, fuzzy$$/d}' $(FRENCH_PO)
	msgattrib --clear-fuzzy --empty --clear-previous $(FRENCH_PO) -o $(FRENCH_PO)
	msgen $(FRENCH_PO) -o $(FRENCH_PO)
	$(PY) manage.py compilemessages --ignore '$(VENV)/*'
