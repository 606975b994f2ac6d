# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PORT ?= 8501

.PHONY: run test install install-dev chromium lint bench demo

run: install
	$(PYTHON) -m streamlit run app.py --server.port $(PORT) --server.headless true

test: install-dev chromium
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -n 2 --dist loadgroup -q

install:
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt

install-dev:
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt

# Playwright's own browser download does not work offline: use Debian's Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint:
	$(PYTHON) -m ruff check .

demo: install
	$(PYTHON) -m journey sample

bench: install-dev chromium
	$(PYTHON) scripts/bench_import.py
	$(PYTHON) scripts/bench_queries.py
	$(PYTHON) scripts/bench_browser.py --customers 100000
