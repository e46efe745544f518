# Everything bootstraps from nothing: a local .venv, and Kafka's jars from Maven Central.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JARS := .cache/kafka-libs/.resolved

.PHONY: run test test-unit test-integration lint format bench schemas clean

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

run: $(STAMP) $(JARS)
	$(BIN)/himari-l3 run $(if $(RUN_SECONDS),--seconds $(RUN_SECONDS),)

test: $(STAMP) $(JARS)
	$(BIN)/python -m pytest -q

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit tests/agents

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict sizing schemas
	$(BIN)/mypy streams agents himari_l3

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) $(JARS)
	$(BIN)/python bench/throughput.py

schemas: $(STAMP)
	$(BIN)/himari-l3 schemas --out schemas/json

clean:
	rm -rf $(VENV) .cache var
