# The two commands a newcomer runs: `make run` and `make test`.
# Everything installs into a project virtualenv (.venv): Debian's own python3 is "externally
# managed" (PEP 668) and refuses `pip install` outside one.
SYSTEM_PYTHON ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip --disable-pip-version-check
PORT ?= 8501

.PHONY: run test install install-dev chromium java lint bench demo clean-venv

run: install
	$(PYTHON) -m streamlit run app.py --server.port $(PORT) --server.headless true

test: install-dev chromium java
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider

# Debian ships venv (ensurepip) separately: install python3-venv when it is missing.
$(PYTHON):
	@$(SYSTEM_PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		echo "Installing python3-venv with apt-get (needed to create $(VENV))"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
		$(SYSTEM_PYTHON) -m venv $(VENV); }

$(VENV)/.installed: requirements.txt | $(PYTHON)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PYTHON)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Playwright's own browser download does not work offline: use Debian's Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The Spark parity test (pyspark from requirements-dev.txt) needs a Java runtime: Debian's.
java:
	@command -v java >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null)

lint: install-dev
	$(PYTHON) -m ruff check .

demo: install
	$(PYTHON) -m journey sample

bench: install-dev chromium
	$(PYTHON) scripts/bench_import.py
	$(PYTHON) scripts/bench_queries.py
	$(PYTHON) scripts/bench_attribution.py
	$(PYTHON) scripts/bench_browser.py --customers 100000

clean-venv:
	rm -rf $(VENV)
