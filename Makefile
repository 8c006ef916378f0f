# Civic Desk: every command a developer, CI or DevOps runs. CI calls `make test` like a person.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAGE ?= dev
PORT ?= 8000
SEED ?= 300
PROFILE ?= bornova
SPEEDUP ?= 1
CDK := node_modules/.bin/cdk
CDK_OUT := cdk.out
PYTEST_ARGS ?=
CDK_ARGS ?=

# Offline and quiet: no telemetry, no version checks, no metadata look-ups.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_EC2_METADATA_DISABLED := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1

INSTALLED := $(VENV)/.installed
CDK_CLI := node_modules/.installed
LAYER_CORE := build/layers/core/python/civicdesk
LAYER_DEPS := build/layers/deps/.built
LAYER_PARQUET := build/layers/parquet/.built
CORE_SOURCES := $(shell find layers/core/civicdesk -type f ! -path '*/__pycache__/*' 2>/dev/null)

.PHONY: help install layers synth browser lint format check test test-unit bench mutation train openapi run seed-year deploy diff redrive clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): requirements/dev.txt requirements/runtime.txt requirements/constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/dev.txt -c requirements/constraints.txt
	$(BIN)/pip install -q --no-deps -e .  # civicdesk importable from layers/core
	touch $@

$(CDK_CLI): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

install: $(INSTALLED) $(CDK_CLI) ## virtual environment with pinned packages, and the CDK CLI

$(LAYER_DEPS): requirements/layer.txt | $(INSTALLED)
	rm -rf build/layers/deps && mkdir -p build/layers/deps
	$(BIN)/pip install -q --no-deps --only-binary=:all: --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
	  --implementation cp --python-version 3.13 --target build/layers/deps/python -r requirements/layer.txt
	touch $@

# pyarrow's arm64 wheels are manylinux_2_28 (Lambda's python3.13 has glibc 2.34); its tests, headers and
# Cython sources are not needed to write Parquet and would only count against Lambda's 250 MB.
$(LAYER_PARQUET): requirements/parquet-layer.txt | $(INSTALLED)
	rm -rf build/layers/parquet && mkdir -p build/layers/parquet
	$(BIN)/pip install -q --no-deps --only-binary=:all: --platform manylinux_2_28_aarch64 \
	  --implementation cp --python-version 3.13 --target build/layers/parquet/python -r requirements/parquet-layer.txt
	rm -rf build/layers/parquet/python/pyarrow/tests build/layers/parquet/python/pyarrow/include
	find build/layers/parquet/python/pyarrow \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pxi' \) -delete
	touch $@

$(LAYER_CORE): $(CORE_SOURCES)
	rm -rf build/layers/core && mkdir -p build/layers/core/python
	cp -r layers/core/civicdesk build/layers/core/python/
	find build/layers/core -name __pycache__ -prune -exec rm -rf {} +
	touch $@

layers: $(LAYER_CORE) $(LAYER_DEPS) $(LAYER_PARQUET) ## build the Lambda layers (arm64, python3.13; no Docker)

synth: install layers ## synthesize the stage's two stacks (STAGE=dev|prod; the WAF's in us-east-1) and lint them
	$(CDK) synth -q --no-notices -c stage=$(STAGE) -o $(CDK_OUT) $(CDK_ARGS)
	$(BIN)/cfn-lint $(CDK_OUT)/*.template.json --ignore-checks W3005
	@echo "templates: $$(ls $(CDK_OUT)/*.template.json)"

lint: $(INSTALLED) ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/core functions local infra bench tools

format: $(INSTALLED) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collects nothing: that is not a failure of the code under test.
define run_pytest
	status=0; $(BIN)/python -m pytest $(1) $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests collected in $(1)"; status=0; fi; exit $$status
endef

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "install Chromium (/usr/bin/chromium) for the browser tests" >&2; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

browser: $(CHROMIUM) ## Debian's Chromium for the browser tests

# Every core runs tests (pytest-xdist): the suite is mostly waiting on moto and the local stack, and CI's
# two cores halve its time. Each worker starts its own local stack and browser when its tests need them.
check: lint install layers browser ## lint, format check, types, then every test (what CI runs)
	@$(call run_pytest,tests -n auto)

test: check ## = make check: the README's test command

test-unit: $(INSTALLED) ## unit tests only (no synth)
	@$(call run_pytest,tests/unit)

bench: install layers ## print the figures: AWS calls per request, import-time ratio, requests per second (SECTIONS="whatsapp reports": only those)
	$(BIN)/python -m bench $(SECTIONS)

# One target at a time, one test process, niced: slow on purpose and never part of `make check` or CI.
mutation: $(INSTALLED) ## mutation testing of the domain rules (slow; not in CI): MODULE=routing|sla|codes|staff|notify
	nice -n 10 $(BIN)/python -m tools.mutation $(MODULE)

train: $(INSTALLED) ## retrain the shipped classifier model from the shipped corpus (PROFILE=bornova; a few minutes)
	$(BIN)/python -m tools.train_classifier --profile $${PROFILE:-bornova}

openapi: $(INSTALLED) ## write docs/openapi.json from the code
	$(BIN)/python -m local.openapi --write

run: install layers ## the whole system on this machine: PORT=8000 SEED=300 (0: empty; year) PROFILE=bornova SPEEDUP=1
	$(BIN)/python -m local --port $(PORT) --sample $(SEED) --profile $(PROFILE) --speedup $(SPEEDUP)

seed-year: ## make run with a whole year of sample requests (SEED=year: ~50,000 for Bornova)
	@$(MAKE) --no-print-directory run SEED=year

deploy: install layers ## deploy to the AWS account in your credentials: make deploy STAGE=prod
	$(CDK) deploy --all --no-notices -c stage=$(STAGE) --require-approval broadening $(CDK_ARGS)

redrive: $(INSTALLED) ## republish a time range's domain events from the table: make redrive FROM=<iso> TO=<iso> STAGE=dev
	$(BIN)/python -m local.redrive --from "$(FROM)" --to "$(TO)" --stage $(STAGE)

diff: install layers ## what a deploy would change
	$(CDK) diff --all --no-notices -c stage=$(STAGE) $(CDK_ARGS)

clean: ## remove build output (keeps the virtual environment and node_modules)
	rm -rf build $(CDK_OUT) .pytest_cache .ruff_cache .mypy_cache
