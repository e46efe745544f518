# Everything bootstraps from nothing: a local .venv, and Kafka's jars from Maven Central.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JARS := .cache/kafka-libs/.resolved

.PHONY: run test test-chaos test-unit test-integration lint format bench schemas clean compile clean-compiled

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the project and its tools into $(VENV) (log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
	  > $(VENV)/install.log 2>&1 || { tail -40 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

# Kafka's jars are resolved once by Maven and cached; machines without Java use Tansu instead.
$(JARS): broker/pom.xml $(STAMP)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then \
	  $(BIN)/python -c "from himari_l3.embedded.kafka_jars import ensure_kafka_jars; ensure_kafka_jars()"; \
	else echo "no Java/Maven: the embedded broker will be Tansu"; mkdir -p $(dir $@); fi

# The pure core compiled with mypyc, in place (a .so beside each .py); HIMARI_PURE=1 skips it.
# sizing/__init__.py stays Python: it refuses a .so older than its source.
CORE := $(filter-out sizing/__init__.py,$(wildcard sizing/*.py))
COMPILED := .cache/compiled.stamp
ifeq ($(HIMARI_PURE),1)
$(COMPILED):
	@echo "HIMARI_PURE=1: the sizing core runs as plain Python"
else
$(COMPILED): $(CORE) $(STAMP) Makefile scripts/compile_core.py
	@mkdir -p .cache
	@rm -f sizing/*.so
	@echo "compiling the sizing core with mypyc (log: .cache/mypyc.log)"
	@$(BIN)/python scripts/compile_core.py > .cache/mypyc.log 2>&1 || { tail -30 .cache/mypyc.log; \
	  echo "mypyc failed: fix it, or run with HIMARI_PURE=1 (plain Python, about half the speed)"; exit 1; }
	@touch $@
endif

compile: $(COMPILED)

clean-compiled:
	rm -rf sizing/*.so build $(COMPILED)

run: $(STAMP) $(JARS) $(COMPILED)
	$(BIN)/himari-l3 run $(if $(RUN_SECONDS),--seconds $(RUN_SECONDS),)

# Everything, the chaos tests included (about 7 minutes on 2 cores).
test: $(STAMP) $(JARS) $(COMPILED)
	$(BIN)/python -m pytest -q

# Only the kill -9, scale-out and broker-stall tests on the real broker (tests/chaos).
test-chaos: $(STAMP) $(JARS) $(COMPILED)
	$(BIN)/python -m pytest -q -m chaos

test-unit: $(STAMP) $(COMPILED)
	$(BIN)/python -m pytest -q tests/unit tests/agents

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict sizing schemas
	$(BIN)/mypy streams agents himari_l3

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) $(JARS) $(COMPILED)
	$(BIN)/python bench/throughput.py

schemas: $(STAMP)
	$(BIN)/himari-l3 schemas --out schemas/json

clean: clean-compiled
	rm -rf $(VENV) .cache var
