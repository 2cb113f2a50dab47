# Quick start: `make demo` (set up, scan the bundled samples, write reports/) and `make test` (set up, run tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test setup clean samples

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	mkdir -p reports
	$(BIN)/appscan scan samples/*.apk --format json -o reports/
	$(BIN)/appscan scan samples/*.apk --format text -o reports/
	@echo "reports written to reports/"

test: $(STAMP)
	$(BIN)/python -m pytest -q

samples:
	$(BIN)/python samples/build.py

clean:
	rm -rf $(VENV) build *.egg-info
