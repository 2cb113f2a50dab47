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

# Scan every sample (APKs and split bundles), store the results in ./appscan.db (SQLite), and write an HTML
# (Chinese), JSON and SARIF report of each under reports/, plus one text summary of them all.
demo: $(STAMP)
	mkdir -p reports
	$(BIN)/appscan scan samples/*.apk samples/*.apks samples/*.xapk samples/*.aab --db sqlite:///appscan.db \
		--report-dir reports --report-format html --report-format json --report-format sarif \
		-o reports/summary.txt
	$(BIN)/appscan db list --db sqlite:///appscan.db
	@echo "reports written to reports/ (open reports/sdks.apk.html in a browser)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

samples:
	$(BIN)/python samples/build.py

clean:
	rm -rf $(VENV) build *.egg-info
