# The README's commands. Each target sets itself up: a .venv is created and the
# package installed only when missing or when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Tests run on every core (pytest-xdist); a worker that finishes early steals waiting tests,
# so the long property tests and builds spread out. `make test XDIST=` runs one process.
XDIST ?= -n auto --dist worksteal

.PHONY: demo test test-fast lab bench system-deps clean help

help:
	@echo "make demo       build the demo reports, PDFs and department packs from the embedded demo data (output/demo/)"
	@echo "make test       run the test suite (what CI runs)"
	@echo "make test-fast  run everything but the end-to-end builds and installs (tests marked slow)"
	@echo "make lab        open JupyterLab (notebooks use the venv's python3 kernel)"
	@echo "make bench      measure load, per-report and total time against the naive CLI loop (RUNS=3 LOADED=1)"

system-deps:
	@bash scripts/system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dask]'
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $@ $(STAMP)

# The same command a pip user runs: writes output/demo-data/nps_demo.csv, builds output/demo/.
demo: system-deps $(STAMP)
	$(BIN)/nps-report demo output --formats html,pdf
	@echo "Demo outputs are in output/demo/:"
	@echo "  index of every report and pack:  output/demo/index.html"
	@echo "  reports (HTML and PDF):          output/demo/<quarter>/{teams,departments,overview}/*/report.{html,pdf}"
	@echo "  department packs (PDF):          output/demo/<quarter>/packs/<department>.pdf"

test: system-deps $(TEST_STAMP)
	$(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

# Fewer property-test examples (tests/test_robustness.py reads NPS_TEST_EXAMPLES) and no
# end-to-end builds: a check while working; `make test` is the full suite CI runs.
test-fast: $(TEST_STAMP)
	NPS_TEST_EXAMPLES=30 $(BIN)/python -m pytest -q $(XDIST) -m "not slow" $(PYTEST_ARGS)

# `make bench RUNS=3` repeats the build and the naive loop and prints medians; LOADED=1 adds
# the loaded-machine case (two CPU-bound background processes, killed after).
RUNS ?= 1
LOADED ?=
bench: system-deps $(STAMP)
	$(BIN)/python bench/run.py --runs $(RUNS) $(if $(LOADED),--loaded) --results bench_results.json $(BENCH_ARGS)

# Notebooks name the kernel "python3": run from the venv, JupyterLab starts it with the
# venv's Python (as it does for a pip user), so no extra kernel is registered.
lab: $(STAMP)
	$(BIN)/jupyter lab

clean:
	rm -rf output/demo output/demo-data
