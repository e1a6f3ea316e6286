# Saathi: `make run` starts the bot, `make test` runs every check. Both set up what is missing.
SHELL := /bin/bash
VENV := .venv
NLU_VENV := .venv-nlu
BIN := $(VENV)/bin
PYTHON311 ?= python3
# Rasa 3.6 runs on Python 3.10 only: the first python3.10 that works (PATH, then pyenv).
PYTHON310 ?= $(shell for p in python3.10 $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 \
	$$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)
LANGS := en ne bn id ms tl km my ur hi si vi
MO_FILES := $(foreach l,$(LANGS),translations/$(l)/LC_MESSAGES/messages.mo)
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup run test lint typecheck validate-nlu pytest train translations nlu-report bench deploy-check clean

setup: $(VENV)/.installed $(NLU_VENV)/.installed $(MO_FILES)

$(VENV)/.installed: pyproject.toml
	$(PYTHON311) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(NLU_VENV)/.installed: nlu_data/requirements.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Rasa 3.6 needs Python 3.10 and none was found."; \
	  echo "Install it (e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv')"; \
	  echo "or point to it: make PYTHON310=/path/to/python3.10"; exit 1; fi
	$(PYTHON310) -m venv $(NLU_VENV)
	$(NLU_VENV)/bin/pip install --quiet --upgrade 'pip<25'
	$(NLU_VENV)/bin/pip install --quiet -r nlu_data/requirements.txt
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -D messages -d translations -l $* 2>&1 | tail -1
	@test -f $@

# Re-extract the interface strings from the code, merge them into every catalog, compile.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k pgettext:1c,2 -k npgettext:1c,2,3 --no-location \
	  --sort-output --project=saathi -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages \
	  --no-fuzzy-matching --ignore-obsolete
	$(MAKE) $(MO_FILES)

train: setup
	$(BIN)/saathi nlu train

run: train
	$(BIN)/saathi db upgrade
	$(BIN)/saathi run

validate-nlu: $(NLU_VENV)/.installed
	cd nlu_data && RASA_TELEMETRY_ENABLED=false ../$(NLU_VENV)/bin/rasa data validate \
	  --data data --config config.yml --domain domain.yml

lint: $(VENV)/.installed
	$(BIN)/ruff check bot tests nlu_data/saathi_components.py
	$(BIN)/ruff format --check bot tests nlu_data/saathi_components.py

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: train
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q

test: lint typecheck validate-nlu pytest

clean:
	rm -rf $(VENV) $(NLU_VENV) nlu_data/models $(MO_FILES)

# Validate docker-compose.yml (Debian's docker-compose when no `docker compose` plugin exists).
deploy-check:
	@if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	elif command -v docker-compose >/dev/null; then compose=docker-compose; \
	else apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null && compose=docker-compose; fi; \
	POSTGRES_PASSWORD=check NLU_TOKEN=check TELEGRAM_BOT_TOKEN=check CASE_ENCRYPTION_KEY=check \
	  $$compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"

bench: train
	$(BIN)/python -m tests.bench

nlu-report: setup
	$(BIN)/saathi nlu report
