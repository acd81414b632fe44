# Waakhond: `make run` sets up and starts the daemon; `make test` sets up and runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test install-node browser clean bench bench-quick

run: install
	$(BIN)/waakhond run

test: install-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

# The benchmark suite (bench/__main__.py): every bench script, one table of figures against same-run baselines.
# `make bench` is the full run behind the README's Performance figures (hours on a 2-core VM: the search bench
# builds a 1,000,000-document archive); `make bench-quick` is the CI-sized run (a few minutes).
bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: install-test
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

install-test: $(VENV)/.installed-test

# A Scrapyd node for the scrapyd executor: Waakhond's dependencies and Scrapyd (deploy/scrapyd.service).
install-node: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[scrapyd]'

# pip is upgraded first: the pip bundled with Python 3.11 misses lxml's html-clean extra.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The web timeline's browser test drives Debian's Chromium through chromedriver (tests/web/test_browser.py).
# Installed when missing and apt-get can run (root); elsewhere the test says what to install and is skipped.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	else echo "note: install Debian's chromium and chromium-driver for the browser test"; fi

clean:
	rm -rf $(VENV) build *.egg-info
