# Entry points for people and CI. Each target creates the virtual environment first when
# it is missing; dependencies are pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JUSTICE := $(BIN)/justice
STAMP := $(VENV)/.installed

.PHONY: venv build test browser lint docs lock clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@echo "make: creating the virtual environment in $(VENV)/"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make: installing pinned dependencies (constraints.txt): about a minute"
	@$(BIN)/python -m pip install --progress-bar off --upgrade "pip>=23" | grep -v "^Requirement already" || true
	@$(BIN)/python -m pip install --progress-bar off -c constraints.txt -e ".[dev]" \
		| grep -E "^(Collecting|Successfully|ERROR)" || true
	@$(BIN)/python -c "import justice, dbt.version" || { echo "make: install failed (see above)"; exit 1; }
	@echo "make: dependencies installed"
	touch $(STAMP)

# Generate the default synthetic lake (when absent) and build every model on DuckDB;
# then parse the project ahead for `justice linkage evaluate` (the first file it links
# would otherwise wait for dbt's whole parse).
build: venv
	$(JUSTICE) generate --if-missing
	$(JUSTICE) build
	$(JUSTICE) linkage prepare

# Two workers (pytest-xdist), a test file each at a time (their module fixtures build
# lakes and warehouses once per file): most tests are dbt runs on small lakes, which keep
# one core busy with Python, so two share a 2-core machine well. TEST_WORKERS=0 runs them
# in one process.
TEST_WORKERS ?= 2
test: venv browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The browser test (tests/python/test_review.py) loads the docs in Debian's headless
# chromium: installed here when missing and we are root (as CI is); otherwise a hint.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "make: installing chromium (apt-get) for the browser test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "make: no chromium: install it (sudo apt-get install chromium), or test_review.py fails"; \
		fi; }

lint: venv
	$(JUSTICE) lint

docs: venv
	$(JUSTICE) docs

# Re-resolve the pins after changing dependencies in pyproject.toml.
lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf target logs data/warehouse
