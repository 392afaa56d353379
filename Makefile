# The README's commands. Each target sets itself up: a .venv is created and the
# package installed only when missing or when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DEMO_DATA := output/demo-data/nps_demo.csv

.PHONY: demo test lab bench system-deps clean help

help:
	@echo "make demo   build the demo reports, PDFs and department packs from the embedded demo data (output/demo/)"
	@echo "make test   run the test suite"
	@echo "make lab    open JupyterLab with the project's kernel"
	@echo "make bench  measure load, per-report and total time against the naive CLI loop"

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

$(DEMO_DATA): $(STAMP) nps_report/demo.py
	$(BIN)/nps-report demo-data output/demo-data

demo: system-deps $(STAMP) $(DEMO_DATA)
	$(BIN)/nps-report build params/demo.yaml --formats html,pdf
	@echo "Demo outputs are in output/demo/:"
	@echo "  index of every report and pack:  output/demo/index.html"
	@echo "  reports (HTML and PDF):          output/demo/<quarter>/{teams,departments,overview}/*/report.{html,pdf}"
	@echo "  department packs (PDF):          output/demo/<quarter>/packs/<department>.pdf"

test: system-deps $(TEST_STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: system-deps $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name nps-report --display-name "nps-report" >/dev/null
	$(BIN)/jupyter lab

clean:
	rm -rf output/demo output/demo-data
