# Entry points for people and CI. Each target creates the virtual environment first when
# it is missing; dependencies are pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JUSTICE := $(BIN)/justice
STAMP := $(VENV)/.installed

.PHONY: venv build test lint docs lock clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Generate the default synthetic lake (when absent) and build every model on DuckDB.
build: venv
	$(JUSTICE) generate --if-missing
	$(JUSTICE) build

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(JUSTICE) lint

docs: venv
	$(JUSTICE) docs

# Re-resolve the pins after changing dependencies in pyproject.toml.
lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf target logs data/warehouse
